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
        {{ numeric_field('ga4', 'traffic_daily', 'sessions') }} as sessions,
        {{ numeric_field('ga4', 'traffic_daily', 'total_users') }} as total_users,
        {{ numeric_field('ga4', 'traffic_daily', 'engaged_sessions') }} as engaged_sessions,
        {{ numeric_field('ga4', 'traffic_daily', 'key_events') }} as key_events
    from source
    where {{ numeric_fields_parse('ga4', 'traffic_daily') }}
)

select * from renamed
