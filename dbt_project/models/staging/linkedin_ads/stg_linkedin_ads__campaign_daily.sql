{#- Daily analytics of a LinkedIn campaign, i.e. of our ad group. -#}
with source as (
    {{ source_or_empty('linkedin_ads', 'campaign_daily') }}
),

renamed as (
    select
        account_id,
        cast(campaign_id as varchar) as ad_group_id,
        date as date_day,
        impressions,
        clicks,
        {{ ads_money('cost_in_local_currency') }} as spend,
        cast(one_click_leads as double) as platform_conversions
    from source
)

select * from renamed
