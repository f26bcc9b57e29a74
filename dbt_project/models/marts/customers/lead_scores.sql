{#- One row per customer that existed on the scoring date: fit, engagement, the 0–100 lead score, its
    tier and the three factors that contributed most (weights: seed scoring_weights). -#}
with scoring as (
    select scoring_date from {{ ref('int_scoring_dates_resolved') }}
),

weights as (
    select component, factor, match_value, points from {{ ref('scoring_weights') }}
),

customers as (
    select lifecycles.customer_id
    from {{ ref('int_customer_lifecycles_derived') }} as lifecycles
    cross join scoring
    where lifecycles.lead_at < {{ dbt.dateadd('day', 1, 'scoring.scoring_date') }}
),

factors as (
    select * from {{ ref('int_lead_score_factors_computed') }}
),

scales as (
    select
        sum(case when component = 'fit' and points > 0 then points end) as max_fit,
        max(case when component = 'setting' and factor = 'fit_weight' then points end) as fit_weight,
        max(case when component = 'setting' and factor = 'engagement_weight' then points end) as engagement_weight,
        max(case when component = 'setting' and factor = 'tier' and match_value = 'A' then points end) as tier_a,
        max(case when component = 'setting' and factor = 'tier' and match_value = 'B' then points end) as tier_b,
        max(case when component = 'setting' and factor = 'tier' and match_value = 'C' then points end) as tier_c,
        sum(case when component = 'engagement' and factor = 'cap' then points end) as max_engagement
    from (
        {#- the most a customer can get per fit factor, and every cap and setting -#}
        select component, factor, match_value, points from weights where component != 'fit'
        union all
        select 'fit', factor, null, max(points) from weights where component = 'fit' group by factor
    ) as best
),

totals as (
    select
        customers.customer_id,
        coalesce(sum(case when factors.component = 'fit' then factors.points end), 0) as fit_score,
        coalesce(sum(case when factors.component = 'engagement' then factors.points end), 0) as engagement_score
    from customers
    left join factors on customers.customer_id = factors.customer_id
    group by customers.customer_id
),

top_factors as (
    select
        customer_id,
        {{ dbt.listagg(
            "factor || '=' || factor_value || ' (+' || cast(round(points, 1) as " ~ dbt.type_string() ~ ") || ')'",
            "'; '",
            "order by points desc, factor") }} as top_factors
    from (
        select
            factors.*,
            row_number() over (partition by customer_id order by points desc, factor) as factor_rank
        from factors
        where points > 0
    ) as ranked
    where factor_rank <= 3
    group by customer_id
),

scored as (
    select
        totals.customer_id,
        round(totals.fit_score, 2) as fit_score,
        round(totals.engagement_score, 2) as engagement_score,
        cast(round(100 * greatest(0, least(1,
            scales.fit_weight * totals.fit_score / scales.max_fit
            + scales.engagement_weight * totals.engagement_score / scales.max_engagement
        ))) as integer) as lead_score,
        scales.tier_a,
        scales.tier_b,
        scales.tier_c
    from totals
    cross join scales
)

select
    scored.customer_id,
    scored.fit_score,
    scored.engagement_score,
    scored.lead_score,
    case
        when scored.lead_score >= scored.tier_a then 'A'
        when scored.lead_score >= scored.tier_b then 'B'
        when scored.lead_score >= scored.tier_c then 'C'
        else 'D'
    end as lead_tier,
    top_factors.top_factors,
    '{{ customer_setting("score_model_version") }}' as score_model_version,
    scoring.scoring_date,
    cast(scoring.scoring_date as {{ dbt.type_timestamp() }}) as scored_at
from scored
cross join scoring
left join top_factors on scored.customer_id = top_factors.customer_id
