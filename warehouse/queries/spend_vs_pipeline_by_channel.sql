-- Spend against pipeline and revenue per channel (seed channel_taxonomy; paid first), all time.
-- Pipeline counts opportunities by creation day, revenue closed-won amounts by close day, each on
-- the campaign recorded on the Salesforce opportunity.
select
    channel,
    sum(spend) as spend,
    sum(clicks) as clicks,
    sum(leads) as leads,
    sum(opportunities) as opportunities,
    sum(pipeline_created_amount) as pipeline_created_amount,
    sum(revenue) as revenue,
    round(sum(spend) / nullif(sum(leads), 0), 2) as cost_per_lead,
    round(sum(spend) / nullif(sum(opportunities), 0), 2) as cost_per_opportunity,
    round(sum(pipeline_created_amount) / nullif(sum(spend), 0), 2) as pipeline_per_dollar,
    round(sum(revenue) / nullif(sum(spend), 0), 2) as return_on_ad_spend
from marts.campaign_performance_daily
group by channel
order by sum(spend) desc, channel
