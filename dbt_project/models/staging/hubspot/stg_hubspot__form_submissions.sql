with source as (
    {{ source_or_empty('hubspot', 'form_submissions') }}
),

renamed as (
    select
        conversion_id,
        form_guid,
        submitted_at,
        email as email_raw,
        {{ email_normalized('email') }} as email_normalized,
        {{ email_match_key('email') }} as email_match_key,
        {{ clean_text('firstname') }} as first_name,
        {{ clean_text('lastname') }} as last_name,
        {{ clean_text('jobtitle') }} as job_title,
        {{ clean_text('company') }} as company_name,
        {{ clean_lower('utm_source') }} as utm_source,
        {{ clean_lower('utm_medium') }} as utm_medium,
        {{ clean_lower('utm_campaign') }} as utm_campaign,
        {{ clean_text('gclid') }} as gclid,
        {{ clean_text('fbclid') }} as fbclid,
        {{ clean_text('li_fat_id') }} as li_fat_id,
        page_url
    from source
)

select * from renamed
