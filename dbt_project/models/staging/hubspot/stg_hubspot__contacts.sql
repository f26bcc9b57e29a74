with source as (
    {{ source_or_empty('hubspot', 'contacts') }}
),

renamed as (
    select
        id as contact_id,
        email as email_raw,
        {{ email_normalized('email') }} as email_normalized,
        {{ email_match_key('email') }} as email_match_key,
        {{ clean_text('firstname') }} as first_name,
        {{ clean_text('lastname') }} as last_name,
        {{ clean_text('jobtitle') }} as job_title,
        {{ clean_text('company') }} as company_name,
        {{ phone_e164('phone') }} as phone_e164,
        {{ clean_text('country') }} as country,
        {{ clean_text('city') }} as city,
        {{ clean_lower('lifecyclestage') }} as lifecycle_stage,
        {{ clean_text('hs_lead_status') }} as lead_status,
        {{ clean_lower('hs_analytics_source') }} as original_source,
        {{ clean_lower('hs_analytics_source_data_1') }} as original_source_detail,
        {{ clean_text('hubspot_owner_id') }} as owner_id,
        {{ clean_text('salesforceleadid') }} as salesforce_lead_id,
        {{ clean_text('salesforcecontactid') }} as salesforce_contact_id,
        {{ clean_text('roundtrip_customer_id') }} as synced_customer_id,
        lead_score as synced_lead_score,
        {{ clean_text('lead_tier') }} as synced_lead_tier,
        fit_score as synced_fit_score,
        engagement_score as synced_engagement_score,
        cast(last_engagement_date as date) as synced_last_engagement_date,
        coalesce(archived, false) as is_archived,
        archived_at,
        coalesce(createdate, created_at) as created_at,
        coalesce(lastmodifieddate, updated_at) as updated_at
    from source
)

select * from renamed
