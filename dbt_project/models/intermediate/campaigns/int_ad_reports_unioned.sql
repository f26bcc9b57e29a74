{#-
    Every ad platform's daily ad-group metrics under one schema (Fivetran dbt_ad_reporting's grain):
    one row per platform × account × ad group × day, with the campaign it belongs to.
-#}
with google_ads as (
    select
        'google_ads' as platform,
        daily.date_day,
        daily.account_id,
        daily.campaign_id,
        campaigns.campaign_name,
        campaigns.utm_campaign,
        daily.ad_group_id,
        ad_groups.ad_group_name,
        daily.impressions,
        daily.clicks,
        daily.spend,
        daily.platform_conversions
    from {{ ref('stg_google_ads__ad_group_daily') }} as daily
    left join {{ ref('stg_google_ads__campaigns') }} as campaigns
        on daily.account_id = campaigns.account_id and daily.campaign_id = campaigns.campaign_id
    left join {{ ref('stg_google_ads__ad_groups') }} as ad_groups
        on daily.account_id = ad_groups.account_id and daily.ad_group_id = ad_groups.ad_group_id
),

meta_ads as (
    select
        'meta_ads' as platform,
        daily.date_day,
        daily.account_id,
        daily.campaign_id,
        coalesce(campaigns.campaign_name, daily.campaign_name) as campaign_name,
        coalesce(campaigns.utm_campaign, {{ ads_normalize_utm('daily.campaign_name') }}) as utm_campaign,
        daily.ad_group_id,
        daily.ad_group_name,
        daily.impressions,
        daily.clicks,
        daily.spend,
        daily.platform_conversions
    from {{ ref('stg_meta_ads__adset_daily') }} as daily
    left join {{ ref('stg_meta_ads__campaigns') }} as campaigns
        on daily.account_id = campaigns.account_id and daily.campaign_id = campaigns.campaign_id
),

linkedin_ads as (
    select
        'linkedin_ads' as platform,
        daily.date_day,
        daily.account_id,
        ad_groups.campaign_id,
        campaign_groups.campaign_name,
        campaign_groups.utm_campaign,
        daily.ad_group_id,
        ad_groups.ad_group_name,
        daily.impressions,
        daily.clicks,
        daily.spend,
        daily.platform_conversions
    from {{ ref('stg_linkedin_ads__campaign_daily') }} as daily
    left join {{ ref('stg_linkedin_ads__campaigns') }} as ad_groups
        on daily.account_id = ad_groups.account_id and daily.ad_group_id = ad_groups.ad_group_id
    left join {{ ref('stg_linkedin_ads__campaign_groups') }} as campaign_groups
        on ad_groups.account_id = campaign_groups.account_id and ad_groups.campaign_id = campaign_groups.campaign_id
)

select * from google_ads
union all
select * from meta_ads
union all
select * from linkedin_ads
