{#- Total spend in the campaign view equals the raw spend of every enabled ad platform (to the
    micro): retyped values coerced as staging does, rows with a value that does not parse left
    out (they are listed in stg_drift__rejected_values). -#}
{%- set raw_spend = {
    'google_ads': ('ad_group_daily', 'cost_micros', ads_micros_to_units),
    'meta_ads': ('adset_daily', 'spend', ads_money),
    'linkedin_ads': ('campaign_daily', 'cost_in_local_currency', ads_money),
} %}
with raw_spend as (
    select cast(null as varchar) as platform, cast(null as decimal(18, 6)) as spend where false
    {%- for platform, (table, column, as_money) in raw_spend.items() if var(platform ~ '_enabled', true) %}
    union all
    select '{{ platform }}', sum({{ as_money(numeric_field(platform, table, column)) }})
    from {{ source(platform, table) }}
    where {{ numeric_fields_parse(platform, table) }}
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
