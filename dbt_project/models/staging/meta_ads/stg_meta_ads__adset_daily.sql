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
        {{ numeric_field('meta_ads', 'adset_daily', 'impressions') }} as impressions,
        {{ numeric_field('meta_ads', 'adset_daily', 'clicks') }} as clicks,
        {{ ads_money(numeric_field('meta_ads', 'adset_daily', 'spend')) }} as spend,
        cast({{ numeric_field('meta_ads', 'adset_daily', 'leads') }} as double) as platform_conversions
    from source
    where {{ numeric_fields_parse('meta_ads', 'adset_daily') }}
)

select * from renamed
