{#-
    Everything but ad spend that the campaign view counts, per day and normalised campaign name: GA4
    sessions, form-submission leads (and how many of them are from marketing-qualified people),
    Salesforce opportunities (created: pipeline; closed won: revenue) and campaign responses.
    `platform_hint` is where the activity itself says it came from (UTM source/medium) and `channel` what
    the channel taxonomy makes of its UTMs and click id, both used only when the campaign name is unknown
    to the ad platforms and the CRM; activity without a campaign is '(none)'.
-#}
with sessions as (
    select
        date_day,
        coalesce(utm_campaign, '(not set)') as utm_campaign,
        coalesce({{ ads_platform_from_utm('utm_source', 'utm_medium') }}, 'ga4') as platform_hint,
        utm_source,
        utm_medium,
        cast(null as varchar) as click_id,
        sum(sessions) as sessions,
        sum(engaged_sessions) as engaged_sessions,
        sum(key_events) as key_events,
        sum(total_users) as total_users
    from {{ ref('stg_ga4__traffic_daily') }}
    group by 1, 2, 3, 4, 5, 6
),

qualified_customers as (
    select distinct identity_map.customer_id
    from {{ ref('int_customer_identities_resolved') }} as identity_map
    inner join {{ ref('stg_hubspot__contacts') }} as contacts
        on identity_map.source_record_id = cast(contacts.contact_id as varchar)
    where identity_map.source_system = 'hubspot'
        and identity_map.source_object = 'contacts'
        and contacts.lifecycle_stage in ('marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer')
),

submissions as (
    select
        submissions.submitted_at,
        submissions.utm_campaign,
        submissions.utm_source,
        submissions.utm_medium,
        {{ click_id_type('submissions.gclid', 'submissions.fbclid', 'submissions.li_fat_id') }} as click_id,
        qualified_customers.customer_id is not null as is_qualified
    from {{ ref('stg_hubspot__form_submissions') }} as submissions
    left join {{ ref('int_customer_identities_resolved') }} as identity_map
        on identity_map.source_system = 'hubspot'
        and identity_map.source_object = 'form_submissions'
        and identity_map.source_record_id = submissions.conversion_id
    left join qualified_customers on identity_map.customer_id = qualified_customers.customer_id
),

leads as (
    select
        cast({{ ads_utc('submitted_at') }} as date) as date_day,
        coalesce(utm_campaign, '(none)') as utm_campaign,
        coalesce({{ ads_platform_from_utm('utm_source', 'utm_medium') }}, 'crm') as platform_hint,
        utm_source,
        utm_medium,
        click_id,
        count(*) as leads,
        sum(case when is_qualified then 1 else 0 end) as mqls
    from submissions
    group by 1, 2, 3, 4, 5, 6
),

salesforce_campaigns as (
    select campaign_id, campaign_name_normalized as utm_campaign
    from {{ ref('stg_salesforce__campaigns') }}
),

opportunities as (
    select
        opportunities.created_at,
        opportunities.close_date,
        opportunities.is_won,
        cast(opportunities.amount as decimal(18, 2)) as amount,
        coalesce(salesforce_campaigns.utm_campaign, '(none)') as utm_campaign
    from {{ ref('stg_salesforce__opportunities') }} as opportunities
    left join salesforce_campaigns on opportunities.campaign_id = salesforce_campaigns.campaign_id
    where not opportunities.is_deleted
),

opportunities_created as (
    select
        cast({{ ads_utc('created_at') }} as date) as date_day,
        utm_campaign,
        'crm' as platform_hint,
        count(*) as opportunities,
        sum(amount) as pipeline_created_amount
    from opportunities
    group by 1, 2, 3
),

opportunities_won as (
    select
        close_date as date_day,
        utm_campaign,
        'crm' as platform_hint,
        count(*) as won_opportunities,
        sum(amount) as revenue
    from opportunities
    where is_won
    group by 1, 2, 3
),

responses as (
    select
        members.first_responded_date as date_day,
        coalesce(salesforce_campaigns.utm_campaign, '(none)') as utm_campaign,
        'crm' as platform_hint,
        count(*) as campaign_responses
    from {{ ref('stg_salesforce__campaign_members') }} as members
    left join salesforce_campaigns on members.campaign_id = salesforce_campaigns.campaign_id
    where members.has_responded and not members.is_deleted and members.first_responded_date is not null
    group by 1, 2, 3
),

unioned as (
    select date_day, utm_campaign, platform_hint, utm_source, utm_medium, click_id,
        sessions, engaged_sessions, key_events, total_users,
        0 as leads, 0 as mqls, 0 as opportunities, 0 as pipeline_created_amount, 0 as won_opportunities,
        0 as revenue, 0 as campaign_responses
    from sessions
    union all
    select date_day, utm_campaign, platform_hint, utm_source, utm_medium, click_id,
        0, 0, 0, 0, leads, mqls, 0, 0, 0, 0, 0
    from leads
    union all
    select date_day, utm_campaign, platform_hint, null, null, null,
        0, 0, 0, 0, 0, 0, opportunities, pipeline_created_amount, 0, 0, 0
    from opportunities_created
    union all
    select date_day, utm_campaign, platform_hint, null, null, null,
        0, 0, 0, 0, 0, 0, 0, 0, won_opportunities, revenue, 0
    from opportunities_won
    union all
    select date_day, utm_campaign, platform_hint, null, null, null,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, campaign_responses
    from responses
),

traffic_keys as (
    {#- Each distinct UTM source, medium and click id, classified once by the channel taxonomy. -#}
    select keys.utm_source, keys.utm_medium, keys.click_id, taxonomy.channel, taxonomy.sub_channel, taxonomy.is_paid
    from (select distinct utm_source, utm_medium, click_id from unioned) as keys
    inner join {{ ref('channel_taxonomy') }} as taxonomy
        on {{ channel_rule_matches('taxonomy', 'keys.click_id', 'null', 'null', 'keys.utm_source', 'keys.utm_medium') }}
    qualify {{ channel_rule_first('taxonomy', 'keys.utm_source, keys.utm_medium, keys.click_id') }}
)

select
    unioned.date_day,
    unioned.utm_campaign,
    unioned.platform_hint,
    traffic_keys.channel,
    traffic_keys.sub_channel,
    traffic_keys.is_paid,
    cast(sum(unioned.sessions) as bigint) as sessions,
    cast(sum(unioned.engaged_sessions) as bigint) as engaged_sessions,
    cast(sum(unioned.key_events) as bigint) as key_events,
    cast(sum(unioned.total_users) as bigint) as total_users,
    cast(sum(unioned.leads) as bigint) as leads,
    cast(sum(unioned.mqls) as bigint) as mqls,
    cast(sum(unioned.opportunities) as bigint) as opportunities,
    cast(sum(unioned.pipeline_created_amount) as decimal(18, 2)) as pipeline_created_amount,
    cast(sum(unioned.won_opportunities) as bigint) as won_opportunities,
    cast(sum(unioned.revenue) as decimal(18, 2)) as revenue,
    cast(sum(unioned.campaign_responses) as bigint) as campaign_responses
from unioned
inner join traffic_keys
    on unioned.utm_source is not distinct from traffic_keys.utm_source
    and unioned.utm_medium is not distinct from traffic_keys.utm_medium
    and unioned.click_id is not distinct from traffic_keys.click_id
group by 1, 2, 3, 4, 5, 6
