{#-
    The giant-cluster guard. An identifier carried by records with more than
    `identity_max_names_per_identifier` distinct full names, or by more than
    `identity_max_records_per_identifier` records (a shared role address such as info@ or sales@, or a
    mis-synced id), does not link records on its own: it is demoted to the pair (identifier, full name),
    so only records that also agree on the person's name are joined through it, and records without a
    full name are not joined through it at all.
    A gmail variant match (same match key, different addresses: jane.doe@ / janedoe+x@) needs
    corroboration: when its records name more than one company, each record links by its exact address.
    A name + company link is dropped when its records carry more than one distinct work (non-free-mail)
    address: two namesakes at one company (jane.doe@ and jane.doe2@) must stay apart.
-#}
with links as (
    select * from {{ ref('int_identity_links_extracted') }}
),

records as (
    select
        records.record_key,
        records.full_name_key,
        records.email_normalized,
        lower(records.company_name) as company_key,
        case when free_domains.domain is null then records.email_match_key end as work_email_key
    from {{ ref('int_person_records_unioned') }} as records
    left join {{ ref('free_email_domains') }} as free_domains on records.email_domain = free_domains.domain
),

named_links as (
    select links.*, records.full_name_key, records.email_normalized, records.company_key, records.work_email_key
    from links
    inner join records on links.record_key = records.record_key
),

identifier_stats as (
    select
        identifier_type,
        identifier_value,
        count(distinct full_name_key) as distinct_names,
        count(distinct work_email_key) as distinct_work_emails,
        count(distinct email_normalized) as distinct_addresses,
        count(distinct company_key) as distinct_companies,
        count(*) as records
    from named_links
    group by identifier_type, identifier_value
),

guarded as (
    select
        named_links.record_key,
        named_links.full_name_key,
        (
            identifier_stats.distinct_names > {{ customer_setting('identity_max_names_per_identifier') }}
            or identifier_stats.records > {{ customer_setting('identity_max_records_per_identifier') }}
        ) as is_shared_identifier,
        named_links.identifier_type = 'email'
            and identifier_stats.distinct_addresses > 1
            and identifier_stats.distinct_companies > 1 as is_uncorroborated_variant,
        named_links.identifier_type,
        named_links.identifier_value,
        named_links.email_normalized
    from named_links
    inner join identifier_stats
        on named_links.identifier_type = identifier_stats.identifier_type
        and named_links.identifier_value = identifier_stats.identifier_value
    where named_links.identifier_type != 'name_company' or identifier_stats.distinct_work_emails <= 1
),

resolved as (
    select
        record_key,
        full_name_key,
        is_shared_identifier,
        case when is_uncorroborated_variant then 'email_exact' else identifier_type end as identifier_type,
        case when is_uncorroborated_variant then email_normalized else identifier_value end as identifier_value
    from guarded
)

select
    record_key,
    identifier_type || case when is_shared_identifier then '_and_name' else '' end as match_rule,
    identifier_value,
    is_shared_identifier,
    identifier_type
        || ':' || identifier_value
        || case when is_shared_identifier then '|' || full_name_key else '' end as link_key
from resolved
where not is_shared_identifier or full_name_key is not null
