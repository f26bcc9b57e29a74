-- Spend against pipeline and revenue per platform (paid platforms first), all time.
-- Pipeline counts opportunities by creation day, revenue closed-won amounts by close day, each on
-- the campaign recorded on the Salesforce opportunity.
select
    platform,
    sum(spend) as spend,
    sum(clicks) as clicks,
    sum(leads) as leads,
    sum(opportunities) as opportunities,
    sum(pipeline_amount) as pipeline_amount,
    sum(revenue) as revenue,
    round(sum(spend) / nullif(sum(leads), 0), 2) as cost_per_lead,
    round(sum(spend) / nullif(sum(opportunities), 0), 2) as cost_per_opportunity,
    round(sum(pipeline_amount) / nullif(sum(spend), 0), 2) as pipeline_per_dollar,
    round(sum(revenue) / nullif(sum(spend), 0), 2) as return_on_ad_spend
from marts.campaign_performance_daily
group by platform
order by sum(spend) desc, platform
