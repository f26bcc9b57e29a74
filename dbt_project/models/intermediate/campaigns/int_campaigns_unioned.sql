{#-
    Every campaign known to an ad platform or to the CRM: the ad platforms' campaigns, plus Salesforce
    campaigns whose name no ad campaign carries (platform 'crm': newsletters, webinars, events), with
    the channel the taxonomy gives its platform and campaign type.
-#}
with ad_campaigns as (
    select 'google_ads' as platform, account_id, campaign_id, campaign_name, utm_campaign, campaign_status, campaign_type
    from {{ ref('stg_google_ads__campaigns') }}
    union all
    select 'meta_ads' as platform, account_id, campaign_id, campaign_name, utm_campaign, campaign_status, campaign_type
    from {{ ref('stg_meta_ads__campaigns') }}
    union all
    select
        'linkedin_ads' as platform, account_id, campaign_id, campaign_name, utm_campaign, campaign_status,
        cast(null as varchar) as campaign_type
    from {{ ref('stg_linkedin_ads__campaign_groups') }}
),

crm_campaigns as (
    select
        'crm' as platform,
        cast(null as varchar) as account_id,
        campaigns.campaign_id,
        campaigns.campaign_name,
        campaigns.campaign_name_normalized as utm_campaign,
        lower(campaigns.campaign_status) as campaign_status,
        lower(campaigns.campaign_type) as campaign_type
    from {{ ref('stg_salesforce__campaigns') }} as campaigns
    where not campaigns.is_deleted
        and not exists (
            select 1 from ad_campaigns where ad_campaigns.utm_campaign = campaigns.campaign_name_normalized
        )
),

unioned as (
    select * from ad_campaigns
    union all
    select * from crm_campaigns
)

select
    unioned.*,
    taxonomy.channel,
    taxonomy.sub_channel,
    taxonomy.is_paid
from unioned
left join {{ ref('channel_taxonomy') }} as taxonomy
    on {{ channel_rule_matches('taxonomy', 'null', 'unioned.platform', 'unioned.campaign_type', 'null', 'null') }}
qualify {{ channel_rule_first('taxonomy', "unioned.platform, unioned.campaign_id") }}
