with source as (
    {{ source_or_empty('linkedin_ads', 'campaign_groups') }}
),

renamed as (
    select
        account_id,
        cast(id as varchar) as campaign_id,
        name as campaign_name,
        {{ ads_normalize_utm('name') }} as utm_campaign,
        lower(status) as campaign_status
    from source
)

select * from renamed
