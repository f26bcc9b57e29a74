{#-
    One row per platform × day × campaign (Fivetran dbt_ad_reporting's grain): ad spend and delivery,
    GA4 sessions, CRM leads, opportunities and revenue, the channel (seed `channel_taxonomy`) and the
    ratios marketing reads (var `marketing_metrics`, the one definition of each metric).
    A campaign name known to an ad platform or Salesforce decides platform and id; other activity keeps
    the platform its UTMs point to (or 'ga4' / 'crm') and is keyed by its name and the channel its own
    UTMs give it. `data_as_of` / `is_stale` mark the rows of a platform whose source systems are
    behind (marts.system_freshness): the transform builds on what is there.
-#}
with campaigns as (
    select * from {{ ref('int_campaigns_unioned') }}
),

campaign_names as (
    select * from {{ ref('int_campaign_names_resolved') }}
),

ads as (
    select
        reports.platform,
        reports.date_day,
        reports.campaign_id,
        reports.utm_campaign,
        campaigns.channel,
        campaigns.sub_channel,
        campaigns.is_paid,
        sum(reports.spend) as spend,
        sum(reports.impressions) as impressions,
        sum(reports.clicks) as clicks,
        sum(reports.platform_conversions) as platform_conversions
    from {{ ref('int_ad_reports_unioned') }} as reports
    left join campaigns on reports.platform = campaigns.platform and reports.campaign_id = campaigns.campaign_id
    group by 1, 2, 3, 4, 5, 6, 7
),

activity as (
    select
        coalesce(campaign_names.platform, activity.platform_hint) as platform,
        activity.date_day,
        campaign_names.campaign_id,
        activity.utm_campaign,
        coalesce(campaign_names.channel, activity.channel) as channel,
        coalesce(campaign_names.sub_channel, activity.sub_channel) as sub_channel,
        coalesce(campaign_names.is_paid, activity.is_paid) as is_paid,
        activity.sessions,
        activity.engaged_sessions,
        activity.key_events,
        activity.leads,
        activity.mqls,
        activity.opportunities,
        activity.pipeline_created_amount,
        activity.won_opportunities,
        activity.revenue,
        activity.campaign_responses
    from {{ ref('int_campaign_activity_unioned') }} as activity
    left join campaign_names on activity.utm_campaign = campaign_names.utm_campaign
),

facts as (
    select
        platform, date_day, campaign_id, utm_campaign, channel, sub_channel, is_paid,
        spend, impressions, clicks, platform_conversions,
        0 as sessions, 0 as engaged_sessions, 0 as key_events, 0 as leads, 0 as mqls,
        0 as opportunities, 0 as pipeline_created_amount, 0 as won_opportunities, 0 as revenue, 0 as campaign_responses
    from ads
    union all
    select
        platform, date_day, campaign_id, utm_campaign, channel, sub_channel, is_paid,
        0, 0, 0, 0,
        sessions, engaged_sessions, key_events, leads, mqls,
        opportunities, pipeline_created_amount, won_opportunities, revenue, campaign_responses
    from activity
),

aggregated as (
    select
        platform,
        date_day,
        coalesce(campaign_id, utm_campaign) as campaign_key,
        campaign_id,
        channel,
        sub_channel,
        is_paid,
        min(utm_campaign) as utm_campaign,
        cast(sum(spend) as decimal(18, 6)) as spend,
        cast(sum(impressions) as bigint) as impressions,
        cast(sum(clicks) as bigint) as clicks,
        cast(sum(platform_conversions) as double) as platform_conversions,
        cast(sum(sessions) as bigint) as sessions,
        cast(sum(engaged_sessions) as bigint) as engaged_sessions,
        cast(sum(key_events) as bigint) as key_events,
        cast(sum(leads) as bigint) as leads,
        cast(sum(mqls) as bigint) as mqls,
        cast(sum(opportunities) as bigint) as opportunities,
        cast(sum(pipeline_created_amount) as decimal(18, 2)) as pipeline_created_amount,
        cast(sum(won_opportunities) as bigint) as won_opportunities,
        cast(sum(revenue) as decimal(18, 2)) as revenue,
        cast(sum(campaign_responses) as bigint) as campaign_responses
    from facts
    group by 1, 2, 3, 4, 5, 6, 7
),

platform_systems as (
    select * from (values
        ('google_ads', 'google_ads'), ('meta_ads', 'meta_ads'), ('linkedin_ads', 'linkedin_ads'),
        ('ga4', 'ga4'), ('email', 'hubspot'), ('crm', 'hubspot'), ('crm', 'salesforce')
    ) as mapping (platform, system)
),

platform_freshness as (
    select
        platform_systems.platform,
        min(system_freshness.data_as_of) as data_as_of,
        bool_or(system_freshness.is_stale) as is_stale
    from platform_systems
    inner join {{ ref('system_freshness') }} as system_freshness
        on platform_systems.system = system_freshness.system and system_freshness.is_enabled
    group by platform_systems.platform
),

final as (
    select
        {{ dbt.hash(dbt.concat(['aggregated.platform', "'|'", 'cast(aggregated.date_day as varchar)', "'|'", 'aggregated.campaign_key', "'|'", "coalesce(aggregated.sub_channel, '')"])) }}
            as campaign_day_id,
        aggregated.platform,
        aggregated.date_day,
        campaigns.account_id,
        aggregated.campaign_id,
        coalesce(campaigns.campaign_name, aggregated.utm_campaign, aggregated.campaign_id) as campaign_name,
        aggregated.utm_campaign,
        campaigns.campaign_type,
        aggregated.channel,
        aggregated.sub_channel,
        aggregated.is_paid,
        campaigns.campaign_status,
        aggregated.spend,
        aggregated.impressions,
        aggregated.clicks,
        aggregated.platform_conversions,
        aggregated.sessions,
        aggregated.engaged_sessions,
        aggregated.key_events,
        aggregated.leads,
        aggregated.mqls,
        aggregated.opportunities,
        aggregated.pipeline_created_amount,
        aggregated.won_opportunities,
        aggregated.revenue,
        aggregated.campaign_responses,
        platform_freshness.data_as_of,
        coalesce(platform_freshness.is_stale, false) as is_stale,
        {%- for name in marketing_metric_names() %}
        {{ marketing_metric(name, 'aggregated.') }} as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from aggregated
    left join campaigns
        on aggregated.platform = campaigns.platform and aggregated.campaign_id = campaigns.campaign_id
    left join platform_freshness on aggregated.platform = platform_freshness.platform
)

select * from final
