with source as (
    {{ source_or_empty('google_ads', 'ad_group_daily') }}
),

renamed as (
    select
        customer_id as account_id,
        cast(campaign_id as varchar) as campaign_id,
        cast(ad_group_id as varchar) as ad_group_id,
        date as date_day,
        {{ numeric_field('google_ads', 'ad_group_daily', 'impressions') }} as impressions,
        {{ numeric_field('google_ads', 'ad_group_daily', 'clicks') }} as clicks,
        {{ ads_micros_to_units(numeric_field('google_ads', 'ad_group_daily', 'cost_micros')) }} as spend,
        {{ numeric_field('google_ads', 'ad_group_daily', 'conversions') }} as platform_conversions
    from source
    where {{ numeric_fields_parse('google_ads', 'ad_group_daily') }}
)

select * from renamed
