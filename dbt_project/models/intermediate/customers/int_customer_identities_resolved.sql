{#- One row per live person record: the customer it resolved to and the strongest link that joined it
    to another record of that customer ('single_record' when nothing did). -#}
with records as (
    select record_key, source_system, source_object, source_record_id, email_match_key
    from {{ ref('int_person_records_unioned') }}
),

components as (
    select record_key, customer_id from {{ ref('int_identity_components_resolved') }}
),

links as (
    select record_key, match_rule, identifier_value, link_key
    from {{ ref('int_identity_links_guarded') }}
),

shared_links as (
    select link_key from links group by link_key having count(*) > 1
),

ranked_links as (
    select
        links.record_key,
        links.match_rule,
        links.identifier_value,
        row_number() over (
            partition by links.record_key
            order by
                case links.match_rule
                    when 'salesforce_contact_id' then 1
                    when 'salesforce_lead_id' then 2
                    when 'email' then 3
                    when 'email_exact' then 3
                    when 'email_and_name' then 4
                    when 'name_company' then 5
                    else 6
                end,
                links.link_key
        ) as link_rank
    from links
    inner join shared_links on links.link_key = shared_links.link_key
),

final as (
    select
        components.customer_id,
        records.source_system,
        records.source_object,
        records.source_record_id,
        coalesce(ranked_links.identifier_value, records.email_match_key) as identifier,
        coalesce(ranked_links.match_rule, 'single_record') as match_rule
    from records
    inner join components on records.record_key = components.record_key
    left join ranked_links on records.record_key = ranked_links.record_key and ranked_links.link_rank = 1
)

select * from final
