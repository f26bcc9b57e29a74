{#- For every attribution model, attributed revenue sums to the closed-won revenue, overall and per conversion, to the cent. -#}
with conversions as (
    select opportunity_id, amount from {{ ref('int_conversions_identified') }}
),

models as (
    select distinct attribution_model from {{ ref('attribution_touches') }}
),

expected as (
    select models.attribution_model, conversions.opportunity_id, conversions.amount
    from models
    cross join conversions
),

attributed as (
    select attribution_model, opportunity_id, sum(attributed_revenue) as attributed_revenue
    from {{ ref('attribution_touches') }}
    group by 1, 2
)

select
    coalesce(expected.attribution_model, attributed.attribution_model) as attribution_model,
    coalesce(expected.opportunity_id, attributed.opportunity_id) as opportunity_id,
    expected.amount,
    attributed.attributed_revenue
from expected
full outer join attributed
    on expected.attribution_model = attributed.attribution_model
    and expected.opportunity_id = attributed.opportunity_id
where cast(coalesce(expected.amount, 0) as decimal(18, 2)) <> cast(coalesce(attributed.attributed_revenue, 0) as decimal(18, 2))
