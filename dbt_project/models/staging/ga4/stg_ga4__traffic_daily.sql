with source as (
    select * from {{ source('ga4', 'traffic_daily') }}
),
renamed as (
    select property_id, date as activity_date, session_source, sessions from source
)
select * from renamed
