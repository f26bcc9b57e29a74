{#- Every identifier a live person record carries (edges of the bipartite record–identifier graph):
    the e-mail match key, CRM ids (a record's own Salesforce id, the ones HubSpot stores, a converted
    lead's contact id), ad click ids, and full name + company name (catches a personal address used
    once; int_identity_links_guarded drops it when it is ambiguous). -#}
with records as (
    select
        record_key,
        source_system,
        source_object,
        source_record_id,
        email_match_key,
        full_name_key,
        lower(company_name) as company_key
    from {{ ref('int_person_records_unioned') }}
),

hubspot_contacts as (
    select
        cast(contact_id as {{ dbt.type_string() }}) as source_record_id,
        salesforce_lead_id,
        salesforce_contact_id
    from {{ ref('stg_hubspot__contacts') }}
),

leads as (
    select lead_id, converted_contact_id from {{ ref('stg_salesforce__leads') }}
),

submissions as (
    select conversion_id, gclid, fbclid, li_fat_id from {{ ref('stg_hubspot__form_submissions') }}
),

links as (
    select record_key, 'email' as identifier_type, email_match_key as identifier_value
    from records

    union all
    select records.record_key, 'salesforce_lead_id', records.source_record_id
    from records where records.source_object = 'Lead'

    union all
    select records.record_key, 'salesforce_contact_id', records.source_record_id
    from records where records.source_object = 'Contact'

    union all
    select records.record_key, 'salesforce_lead_id', hubspot_contacts.salesforce_lead_id
    from records
    inner join hubspot_contacts
        on records.source_object = 'contacts' and records.source_record_id = hubspot_contacts.source_record_id

    union all
    select records.record_key, 'salesforce_contact_id', hubspot_contacts.salesforce_contact_id
    from records
    inner join hubspot_contacts
        on records.source_object = 'contacts' and records.source_record_id = hubspot_contacts.source_record_id

    union all
    select records.record_key, 'salesforce_contact_id', leads.converted_contact_id
    from records
    inner join leads on records.source_object = 'Lead' and records.source_record_id = leads.lead_id

    union all
    select record_key, 'name_company', full_name_key || '|' || company_key
    from records

    {% for click_id in ['gclid', 'fbclid', 'li_fat_id'] %}
    union all
    select records.record_key, '{{ click_id }}', submissions.{{ click_id }}
    from records
    inner join submissions
        on records.source_object = 'form_submissions' and records.source_record_id = submissions.conversion_id
    {% endfor %}
)

select distinct record_key, identifier_type, identifier_value
from links
where identifier_value is not null
