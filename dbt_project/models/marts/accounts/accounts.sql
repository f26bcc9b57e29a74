{#-
    One row per company (int_accounts_resolved): its people (marts.customers by company domain), how
    many are engaged and how far they got in the lifecycle, its Salesforce opportunities (pipeline and
    revenue), its first and last marketing touch, and the ad spend attributed to it by its share of
    each paid campaign's touches (spend-weighted attribution).
-#}
with accounts as (
    select * from {{ ref('int_accounts_resolved') }}
),

people as (
    select
        accounts.account_key,
        count(*) as people,
        count(case when customers.form_submissions_90d + customers.email_clicks_90d
            + customers.events_attended_90d > 0 then 1 end) as engaged_people,
        count(customers.lead_at) as leads,
        count(customers.mql_at) as mqls,
        count(customers.sql_at) as sqls,
        count(customers.opportunity_at) as opportunity_people,
        count(customers.customer_at) as customer_people
    from {{ ref('customers') }} as customers
    inner join accounts on customers.company_domain = accounts.domain
    group by accounts.account_key
),

opportunities as (
    select
        {{ account_key('salesforce_accounts.domain', 'salesforce', 'salesforce_accounts.account_id') }} as account_key,
        count(*) as opportunities,
        sum(opportunities.amount) as pipeline_created_amount,
        sum(case when not opportunities.is_closed then opportunities.amount else 0 end) as open_pipeline_amount,
        count(case when opportunities.is_won then 1 end) as won_opportunities,
        sum(case when opportunities.is_won then opportunities.amount else 0 end) as closed_won_revenue
    from {{ ref('stg_salesforce__opportunities') }} as opportunities
    inner join {{ ref('stg_salesforce__accounts') }} as salesforce_accounts
        on opportunities.account_id = salesforce_accounts.account_id
    where not opportunities.is_deleted
    group by 1
),

account_touches as (
    select accounts.account_key, touches.*
    from {{ ref('int_touches_unioned') }} as touches
    inner join {{ ref('customers') }} as customers on touches.customer_id = customers.customer_id
    inner join accounts on customers.company_domain = accounts.domain
),

touch_ends as (
    {#- Touches at the same instant are ordered by channel, so every build picks the same one. -#}
    select
        account_key,
        count(*) as touches,
        min(touched_at) as first_touch_at,
        arg_min(channel, {'at': touched_at, 'channel': channel}) as first_touch_channel,
        max(touched_at) as last_touch_at,
        arg_max(channel, {'at': touched_at, 'channel': channel}) as last_touch_channel
    from account_touches
    group by account_key
),

campaign_spend as (
    {#- Each paid campaign's spend over its touches: the cost of one touch. -#}
    select spend.utm_campaign, spend.spend / touched.touches as spend_per_touch
    from (
        select utm_campaign, sum(spend) as spend
        from {{ ref('campaign_performance_daily') }}
        where utm_campaign is not null
        group by utm_campaign
        having sum(spend) > 0
    ) as spend
    inner join (
        select utm_campaign, count(*) as touches
        from {{ ref('int_touches_unioned') }}
        group by utm_campaign
    ) as touched on spend.utm_campaign = touched.utm_campaign
),

attributed as (
    select account_touches.account_key, sum(campaign_spend.spend_per_touch) as attributed_spend
    from account_touches
    inner join campaign_spend on account_touches.utm_campaign = campaign_spend.utm_campaign
    group by account_touches.account_key
)

select
    accounts.account_key,
    accounts.account_name,
    accounts.domain,
    accounts.hubspot_company_id,
    accounts.salesforce_account_id,
    accounts.industry,
    accounts.employee_count,
    accounts.country,
    coalesce(people.people, 0) as people,
    coalesce(people.engaged_people, 0) as engaged_people,
    coalesce(people.leads, 0) as leads,
    coalesce(people.mqls, 0) as mqls,
    coalesce(people.sqls, 0) as sqls,
    coalesce(people.opportunity_people, 0) as opportunity_people,
    coalesce(people.customer_people, 0) as customer_people,
    coalesce(opportunities.opportunities, 0) as opportunities,
    cast(coalesce(opportunities.pipeline_created_amount, 0) as decimal(18, 2)) as pipeline_created_amount,
    cast(coalesce(opportunities.open_pipeline_amount, 0) as decimal(18, 2)) as open_pipeline_amount,
    coalesce(opportunities.won_opportunities, 0) as won_opportunities,
    cast(coalesce(opportunities.closed_won_revenue, 0) as decimal(18, 2)) as closed_won_revenue,
    coalesce(touch_ends.touches, 0) as touches,
    touch_ends.first_touch_at,
    touch_ends.first_touch_channel,
    touch_ends.last_touch_at,
    touch_ends.last_touch_channel,
    cast(coalesce(attributed.attributed_spend, 0) as decimal(18, 2)) as attributed_spend
from accounts
left join people on accounts.account_key = people.account_key
left join opportunities on accounts.account_key = opportunities.account_key
left join touch_ends on accounts.account_key = touch_ends.account_key
left join attributed on accounts.account_key = attributed.account_key
