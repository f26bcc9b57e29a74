with source as (
    {{ source_or_empty('hubspot', 'email_events') }}
),

renamed as (
    select
        id as email_event_id,
        {{ clean_lower('type') }} as event_type,
        {{ email_normalized('recipient') }} as recipient_normalized,
        {{ email_match_key('recipient') }} as email_match_key,
        created as occurred_at,
        email_campaign_id,
        {{ clean_text('url') }} as url,
        {{ clean_text('app_name') }} as app_name
    from source
)

select * from renamed
