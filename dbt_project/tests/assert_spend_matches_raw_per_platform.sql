{#- Total spend in the campaign view equals the raw spend of every enabled ad platform (to the micro). -#}
{%- set raw_totals = {
    'google_ads': ('ad_group_daily', ads_micros_to_units('sum(cost_micros)')),
    'meta_ads': ('adset_daily', ads_money('sum(spend)')),
    'linkedin_ads': ('campaign_daily', ads_money('sum(cost_in_local_currency)')),
} %}
with raw_spend as (
    select cast(null as varchar) as platform, cast(null as decimal(18, 6)) as spend where false
    {%- for platform, (table, total) in raw_totals.items() if var(platform ~ '_enabled', true) %}
    union all
    select '{{ platform }}', {{ total }} from {{ source(platform, table) }}
    {%- endfor %}
),

view_spend as (
    select platform, sum(spend) as spend
    from {{ ref('campaign_performance_daily') }}
    group by platform
)

select raw_spend.platform, raw_spend.spend as raw_spend, view_spend.spend as view_spend
from raw_spend
left join view_spend on raw_spend.platform = view_spend.platform
where coalesce(raw_spend.spend, 0) <> coalesce(view_spend.spend, 0)
