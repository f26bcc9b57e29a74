with source as (
    {{ source_or_empty('meta_ads', 'campaigns') }}
),

renamed as (
    select
        account_id,
        id as campaign_id,
        name as campaign_name,
        {{ ads_normalize_utm('name') }} as utm_campaign,
        lower(status) as campaign_status,
        lower(objective) as campaign_type,
        strptime(created_time, '%Y-%m-%dT%H:%M:%S%z') as created_at,
        strptime(updated_time, '%Y-%m-%dT%H:%M:%S%z') as updated_at
    from source
)

select * from renamed
