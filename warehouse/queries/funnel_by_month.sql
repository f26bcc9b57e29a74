-- The marketing funnel per calendar month: sessions → leads → MQLs → opportunities → won, with
-- conversion rates between the stages and spend for context.
with monthly as (
    select
        date_trunc('month', date_day) as month,
        sum(spend) as spend,
        sum(sessions) as sessions,
        sum(leads) as leads,
        sum(mqls) as mqls,
        sum(opportunities) as opportunities,
        sum(won_opportunities) as won_opportunities,
        sum(revenue) as revenue
    from marts.campaign_performance_daily
    group by 1
)

select
    month,
    spend,
    sessions,
    leads,
    mqls,
    opportunities,
    won_opportunities,
    revenue,
    round(leads / nullif(sessions, 0), 4) as session_to_lead_rate,
    round(mqls / nullif(leads, 0), 4) as lead_to_mql_rate,
    round(opportunities / nullif(mqls, 0), 4) as mql_to_opportunity_rate
from monthly
order by month
