with source as (
    {{ source_or_empty('meta_ads', 'adset_daily') }}
),

renamed as (
    select
        account_id,
        campaign_id,
        campaign_name,
        adset_id as ad_group_id,
        adset_name as ad_group_name,
        date as date_day,
        impressions,
        clicks,
        {{ ads_money('spend') }} as spend,
        cast(leads as double) as platform_conversions
    from source
)

select * from renamed
