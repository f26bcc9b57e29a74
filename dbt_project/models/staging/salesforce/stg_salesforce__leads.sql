with source as (
    {{ source_or_empty('salesforce', 'leads') }}
),

renamed as (
    select
        id as lead_id,
        email as email_raw,
        {{ email_normalized('email') }} as email_normalized,
        {{ email_match_key('email') }} as email_match_key,
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('last_name') }} as last_name,
        {{ clean_text('title') }} as job_title,
        case when trim(company) not in ('', '[not provided]') then trim(company) end as company_name,
        {{ phone_e164('phone') }} as phone_e164,
        {{ clean_text('country') }} as country,
        {{ industry_key('industry') }} as industry,
        number_of_employees as employee_count,
        {{ clean_lower('lead_source') }} as lead_source,
        {{ clean_text('status') }} as lead_status,
        {{ clean_text('owner_id') }} as owner_id,
        coalesce(is_converted, false) as is_converted,
        converted_date,
        {{ clean_text('converted_contact_id') }} as converted_contact_id,
        {{ clean_text('converted_account_id') }} as converted_account_id,
        {{ clean_text('converted_opportunity_id') }} as converted_opportunity_id,
        {{ clean_text('roundtrip_customer_id__c') }} as synced_customer_id,
        lead_score__c as synced_lead_score,
        {{ clean_text('lead_tier__c') }} as synced_lead_tier,
        fit_score__c as synced_fit_score,
        engagement_score__c as synced_engagement_score,
        cast(last_engagement_date__c as date) as synced_last_engagement_date,
        coalesce(is_deleted, false) as is_deleted,
        created_date as created_at,
        last_modified_date as updated_at,
        system_modstamp
    from source
)

select * from renamed
