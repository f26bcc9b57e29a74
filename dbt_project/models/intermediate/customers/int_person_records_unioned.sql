{#- Every live person-like record (HubSpot contacts and form submissions, Salesforce leads and contacts)
    in one shape: the nodes of the identity graph and the inputs of survivorship. -#}
with hubspot_contacts as (
    select
        'hubspot' as source_system,
        'contacts' as source_object,
        cast(contact_id as {{ dbt.type_string() }}) as source_record_id,
        email_raw,
        email_normalized,
        email_match_key,
        first_name,
        last_name,
        job_title,
        company_name,
        phone_e164,
        country,
        owner_id,
        created_at,
        updated_at
    from {{ ref('stg_hubspot__contacts') }}
    where not is_archived
),

form_submissions as (
    select
        'hubspot' as source_system,
        'form_submissions' as source_object,
        conversion_id as source_record_id,
        email_raw,
        email_normalized,
        email_match_key,
        first_name,
        last_name,
        job_title,
        company_name,
        cast(null as {{ dbt.type_string() }}) as phone_e164,
        cast(null as {{ dbt.type_string() }}) as country,
        cast(null as {{ dbt.type_string() }}) as owner_id,
        submitted_at as created_at,
        submitted_at as updated_at
    from {{ ref('stg_hubspot__form_submissions') }}
),

salesforce_leads as (
    select
        'salesforce' as source_system,
        'Lead' as source_object,
        lead_id as source_record_id,
        email_raw,
        email_normalized,
        email_match_key,
        first_name,
        last_name,
        job_title,
        company_name,
        phone_e164,
        country,
        owner_id,
        created_at,
        updated_at
    from {{ ref('stg_salesforce__leads') }}
    where not is_deleted
),

salesforce_contacts as (
    select
        'salesforce' as source_system,
        'Contact' as source_object,
        contacts.contact_id as source_record_id,
        contacts.email_raw,
        contacts.email_normalized,
        contacts.email_match_key,
        contacts.first_name,
        contacts.last_name,
        contacts.job_title,
        accounts.account_name as company_name,
        contacts.phone_e164,
        contacts.country,
        contacts.owner_id,
        contacts.created_at,
        contacts.updated_at
    from {{ ref('stg_salesforce__contacts') }} as contacts
    left join {{ ref('stg_salesforce__accounts') }} as accounts
        on contacts.account_id = accounts.account_id and not accounts.is_deleted
    where not contacts.is_deleted
),

unioned as (
    select * from hubspot_contacts
    union all
    select * from form_submissions
    union all
    select * from salesforce_leads
    union all
    select * from salesforce_contacts
)

select
    source_system || ':' || source_object || ':' || source_record_id as record_key,
    unioned.*,
    {#- Lower-cased "first last" when both are known: what the shared-address guard compares. -#}
    case
        when first_name is not null and last_name is not null
            then lower(first_name) || ' ' || lower(last_name)
    end as full_name_key,
    {{ dbt.split_part('email_normalized', "'@'", 2) }} as email_domain
from unioned
