-- Closed-won revenue credited to each channel under every attribution model, side by side, with
-- each channel's share of the total per model.
with by_channel as (
    select channel, attribution_model, sum(attributed_revenue) as revenue
    from marts.attribution_touches
    group by 1, 2
)

select
    channel,
    sum(case when attribution_model = 'first_touch' then revenue end) as first_touch,
    sum(case when attribution_model = 'last_touch' then revenue end) as last_touch,
    sum(case when attribution_model = 'linear' then revenue end) as linear,
    sum(case when attribution_model = 'position_based' then revenue end) as position_based,
    sum(case when attribution_model = 'time_decay' then revenue end) as time_decay,
    round(
        sum(case when attribution_model = 'linear' then revenue end)
        / sum(sum(case when attribution_model = 'linear' then revenue end)) over (),
        4
    ) as linear_share
from by_channel
group by channel
order by linear desc nulls last, channel
