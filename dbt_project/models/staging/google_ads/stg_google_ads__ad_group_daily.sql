with source as (
    {{ source_or_empty('google_ads', 'ad_group_daily') }}
),

renamed as (
    select
        customer_id as account_id,
        cast(campaign_id as varchar) as campaign_id,
        cast(ad_group_id as varchar) as ad_group_id,
        date as date_day,
        impressions,
        clicks,
        {{ ads_micros_to_units('cost_micros') }} as spend,
        cast(conversions as double) as platform_conversions
    from source
)

select * from renamed
