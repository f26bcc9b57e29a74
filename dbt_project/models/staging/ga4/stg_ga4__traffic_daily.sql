with source as (
    {{ source_or_empty('ga4', 'traffic_daily') }}
),

renamed as (
    select
        property_id,
        date as date_day,
        session_source,
        session_medium,
        session_campaign_name,
        {{ ads_normalize_utm('session_source') }} as utm_source,
        {{ ads_normalize_utm('session_medium') }} as utm_medium,
        {{ ads_normalize_utm('session_campaign_name') }} as utm_campaign,
        sessions,
        total_users,
        engaged_sessions,
        key_events
    from source
)

select * from renamed
