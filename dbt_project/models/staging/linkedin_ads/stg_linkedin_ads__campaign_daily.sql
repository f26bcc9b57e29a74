{#- Daily analytics of a LinkedIn campaign, i.e. of our ad group. -#}
with source as (
    {{ source_or_empty('linkedin_ads', 'campaign_daily') }}
),

renamed as (
    select
        account_id,
        cast(campaign_id as varchar) as ad_group_id,
        date as date_day,
        {{ numeric_field('linkedin_ads', 'campaign_daily', 'impressions') }} as impressions,
        {{ numeric_field('linkedin_ads', 'campaign_daily', 'clicks') }} as clicks,
        {{ ads_money(numeric_field('linkedin_ads', 'campaign_daily', 'cost_in_local_currency')) }} as spend,
        cast({{ numeric_field('linkedin_ads', 'campaign_daily', 'one_click_leads') }} as double) as platform_conversions
    from source
    where {{ numeric_fields_parse('linkedin_ads', 'campaign_daily') }}
)

select * from renamed
