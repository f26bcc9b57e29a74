{#-
    Multi-touch attribution of closed-won revenue: one row per conversion × credited touch × model.
    Touches of the converting customer count from `attribution_lookback_days` (default 90) before the
    close date up to the close date. Credit per model (see the docs block `attribution_model`); each
    conversion's attributed revenue is rounded to the cent and the rounding remainder goes to its
    largest-credit touch, so it sums exactly to the amount. No touch: one `unattributed` row per model.
-#}
{%- set lookback_days = var('attribution_lookback_days', 90) -%}
{%- set half_life_days = var('attribution_half_life_days', 7) -%}
{%- set models = ['first_touch', 'last_touch', 'linear', 'position_based', 'time_decay'] -%}

with conversions as (
    select
        opportunity_id,
        customer_id,
        close_date,
        amount,
        cast({{ dbt.dateadd('day', 1, 'close_date') }} as timestamp) as conversion_at
    from {{ ref('int_conversions_identified') }}
),

windowed as (
    select
        conversions.opportunity_id,
        conversions.customer_id,
        conversions.close_date,
        conversions.amount,
        touches.touch_id,
        touches.touch_type,
        touches.touched_at,
        touches.channel,
        touches.sub_channel,
        touches.is_paid,
        touches.utm_source,
        touches.utm_medium,
        touches.utm_campaign,
        {{ dbt.datediff('touches.touched_at', 'conversions.conversion_at', 'second') }} / 86400.0
            as days_before_conversion
    from conversions
    inner join {{ ref('int_touches_unioned') }} as touches
        on conversions.customer_id = touches.customer_id
        and touches.touched_at < conversions.conversion_at
        and touches.touched_at >= cast({{ dbt.dateadd('day', -lookback_days, 'close_date') }} as timestamp)
),

positioned as (
    select
        *,
        row_number() over (partition by opportunity_id order by touched_at, touch_id) as touch_position,
        count(*) over (partition by opportunity_id) as touches_in_window,
        power(0.5, days_before_conversion / {{ half_life_days }})
            / sum(power(0.5, days_before_conversion / {{ half_life_days }})) over (partition by opportunity_id)
            as time_decay_share
    from windowed
),

attribution_models as (
    {%- for model in models %}
    select '{{ model }}' as attribution_model{{ ' union all' if not loop.last }}
    {%- endfor %}
),

weighted as (
    select
        positioned.*,
        attribution_models.attribution_model,
        case attribution_models.attribution_model
            when 'first_touch' then case when touch_position = 1 then 1.0 else 0.0 end
            when 'last_touch' then case when touch_position = touches_in_window then 1.0 else 0.0 end
            when 'linear' then 1.0 / touches_in_window
            when 'position_based' then
                case
                    when touches_in_window = 1 then 1.0
                    when touches_in_window = 2 then 0.5
                    when touch_position in (1, touches_in_window) then 0.4
                    else 0.2 / (touches_in_window - 2)
                end
            when 'time_decay' then time_decay_share
        end as credit
    from positioned
    cross join attribution_models
),

credited as (
    select
        *,
        cast(round(amount * credit, 2) as decimal(18, 2)) as rounded_revenue,
        row_number() over (
            partition by opportunity_id, attribution_model order by credit desc, touch_position desc
        ) as credit_rank
    from weighted
    where credit > 0
),

attributed as (
    select
        opportunity_id,
        customer_id,
        close_date,
        amount,
        attribution_model,
        touch_id,
        touch_type,
        touched_at,
        channel,
        sub_channel,
        is_paid,
        utm_source,
        utm_medium,
        utm_campaign,
        touch_position,
        touches_in_window,
        days_before_conversion,
        credit,
        rounded_revenue + case
            when credit_rank = 1
                then amount - sum(rounded_revenue) over (partition by opportunity_id, attribution_model)
            else 0
        end as attributed_revenue
    from credited
),

unattributed as (
    select
        conversions.opportunity_id,
        conversions.customer_id,
        conversions.close_date,
        conversions.amount,
        attribution_models.attribution_model,
        cast(null as varchar) as touch_id,
        cast(null as varchar) as touch_type,
        cast(null as timestamp) as touched_at,
        'unattributed' as channel,
        'unattributed' as sub_channel,
        false as is_paid,
        cast(null as varchar) as utm_source,
        cast(null as varchar) as utm_medium,
        cast(null as varchar) as utm_campaign,
        cast(null as bigint) as touch_position,
        0 as touches_in_window,
        cast(null as double) as days_before_conversion,
        1.0 as credit,
        conversions.amount as attributed_revenue
    from conversions
    cross join attribution_models
    where not exists (select 1 from windowed where windowed.opportunity_id = conversions.opportunity_id)
),

unioned as (
    select * from attributed
    union all
    select * from unattributed
)

select
    {{ dbt.hash(dbt.concat(['opportunity_id', "'|'", 'attribution_model', "'|'", "coalesce(touch_id, 'unattributed')"])) }}
        as attribution_touch_id,
    opportunity_id,
    customer_id,
    attribution_model,
    close_date as converted_on,
    amount as conversion_amount,
    touch_id,
    touch_type,
    touched_at,
    channel,
    sub_channel,
    is_paid,
    utm_source,
    utm_medium,
    utm_campaign,
    touch_position,
    cast(touches_in_window as bigint) as touches_in_window,
    cast(days_before_conversion as double) as days_before_conversion,
    cast(credit as double) as credit,
    cast(attributed_revenue as decimal(18, 2)) as attributed_revenue
from unioned
