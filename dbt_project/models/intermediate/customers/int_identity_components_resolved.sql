{#-
    Connected components of the record–link graph by label propagation: every record starts with its
    own anchor key (creation time, then record key), each round a link takes the smallest label of its
    records and each record the smallest label of its links. `identity_max_iterations` rounds bound the
    work; the singular test assert_customer_identity_converged fails if a component needed more.
    The component's label is the anchor key of its EARLIEST-created record, and customer_id is its md5:
    a record created later never changes an existing customer_id; when two components merge, the older
    one's id survives; only deleting/archiving the anchor record itself moves the id to the next-oldest.
-#}
with records as (
    select
        record_key,
        coalesce(strftime(created_at at time zone 'UTC', '%Y-%m-%dT%H:%M:%S.%f'), '9999-12-31')
            || '|' || record_key as anchor_key
    from {{ ref('int_person_records_unioned') }}
),

links as (
    select record_key, link_key from {{ ref('int_identity_links_guarded') }}
),

labels_0 as (
    select record_key, anchor_key as label from records
),

{% for i in range(1, customer_setting('identity_max_iterations') + 1) %}
link_labels_{{ i }} as (
    select links.link_key, min(labels_{{ i - 1 }}.label) as label
    from links
    inner join labels_{{ i - 1 }} on links.record_key = labels_{{ i - 1 }}.record_key
    group by links.link_key
),

labels_{{ i }} as (
    select
        labels_{{ i - 1 }}.record_key,
        least(labels_{{ i - 1 }}.label, coalesce(min(link_labels_{{ i }}.label), labels_{{ i - 1 }}.label)) as label
    from labels_{{ i - 1 }}
    left join links on labels_{{ i - 1 }}.record_key = links.record_key
    left join link_labels_{{ i }} on links.link_key = link_labels_{{ i }}.link_key
    group by labels_{{ i - 1 }}.record_key, labels_{{ i - 1 }}.label
),
{% endfor %}

final as (
    select
        record_key,
        label as component_anchor_key,
        md5(label) as customer_id
    from labels_{{ customer_setting('identity_max_iterations') }}
)

select * from final
