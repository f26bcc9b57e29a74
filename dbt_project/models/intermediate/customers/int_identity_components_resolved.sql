{#-
    Connected components of the record–link graph by label propagation: every record starts with its
    own anchor key (creation time, then record key), each round a link takes the smallest label of its
    records and each record the smallest label of its links. `identity_max_iterations` rounds bound the
    work; the singular test assert_customer_identity_converged fails if a component needed more.
    The component's label is the anchor key of its EARLIEST-created record, and customer_id is its md5:
    a record created later never changes an existing customer_id; when two components merge, the older
    one's id survives; only deleting/archiving the anchor record itself moves the id to the next-oldest.
    The rounds run on integers (each record's rank in anchor-key order is both its id and its first
    label, so the smallest rank is the smallest anchor key): at scale M that is 2.5× faster and a
    fraction of the memory of propagating the anchor-key strings.
-#}
with records as (
    select
        record_key,
        anchor_key,
        row_number() over (order by anchor_key) as record_rank
    from (
        select
            record_key,
            coalesce(strftime(created_at at time zone 'UTC', '%Y-%m-%dT%H:%M:%S.%f'), '9999-12-31')
                || '|' || record_key as anchor_key
        from {{ ref('int_person_records_unioned') }}
    )
),

links as (
    select
        records.record_rank,
        dense_rank() over (order by guarded.link_key) as link_rank
    from {{ ref('int_identity_links_guarded') }} as guarded
    inner join records on guarded.record_key = records.record_key
),

labels_0 as (
    select record_rank, record_rank as label from records
),

{% for i in range(1, customer_setting('identity_max_iterations') + 1) %}
link_labels_{{ i }} as (
    select links.link_rank, min(labels_{{ i - 1 }}.label) as label
    from links
    inner join labels_{{ i - 1 }} on links.record_rank = labels_{{ i - 1 }}.record_rank
    group by links.link_rank
),

labels_{{ i }} as (
    select
        labels_{{ i - 1 }}.record_rank,
        least(labels_{{ i - 1 }}.label, coalesce(min(link_labels_{{ i }}.label), labels_{{ i - 1 }}.label)) as label
    from labels_{{ i - 1 }}
    left join links on labels_{{ i - 1 }}.record_rank = links.record_rank
    left join link_labels_{{ i }} on links.link_rank = link_labels_{{ i }}.link_rank
    group by labels_{{ i - 1 }}.record_rank, labels_{{ i - 1 }}.label
),
{% endfor %}

final as (
    select
        records.record_key,
        anchors.anchor_key as component_anchor_key,
        md5(anchors.anchor_key) as customer_id
    from labels_{{ customer_setting('identity_max_iterations') }} as labels
    inner join records on labels.record_rank = records.record_rank
    inner join records as anchors on labels.label = anchors.record_rank
)

select * from final
