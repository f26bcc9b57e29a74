{#- Per customer, as of the scoring date: first/last touch (form submissions and e-mail clicks) channel
    and campaign, 30/90-day activity counts and the last engagement time. -#}
with scoring as (
    select scoring_date from {{ ref('int_scoring_dates_resolved') }}
),

activities as (
    select activities.*
    from {{ ref('int_customer_activities_unioned') }} as activities
    cross join scoring
    where activities.occurred_at < {{ dbt.dateadd('day', 1, 'scoring.scoring_date') }}
),

touches as (
    select
        customer_id,
        channel,
        campaign,
        row_number() over (partition by customer_id order by occurred_at, activity_id) as first_rank,
        row_number() over (partition by customer_id order by occurred_at desc, activity_id desc) as last_rank
    from activities
    where is_touch
),

windows as (
    select
        activities.customer_id,
        max(activities.occurred_at) as last_engagement_at,
        {%- for days in [30, 90] %}
        count(case when activities.activity_group = 'forms'
            and activities.occurred_at >= {{ dbt.dateadd('day', 1 - days, 'scoring.scoring_date') }}
            then 1 end) as form_submissions_{{ days }}d,
        count(case when activities.activity_type = 'email_open'
            and activities.occurred_at >= {{ dbt.dateadd('day', 1 - days, 'scoring.scoring_date') }}
            then 1 end) as email_opens_{{ days }}d,
        count(case when activities.activity_type = 'email_click'
            and activities.occurred_at >= {{ dbt.dateadd('day', 1 - days, 'scoring.scoring_date') }}
            then 1 end) as email_clicks_{{ days }}d,
        count(case when activities.activity_group = 'events'
            and activities.occurred_at >= {{ dbt.dateadd('day', 1 - days, 'scoring.scoring_date') }}
            then 1 end) as events_attended_{{ days }}d{{ "," if not loop.last }}
        {%- endfor %}
    from activities
    cross join scoring
    group by activities.customer_id
)

select
    windows.*,
    first_touch.channel as first_touch_channel,
    first_touch.campaign as first_touch_campaign,
    last_touch.channel as last_touch_channel,
    last_touch.campaign as last_touch_campaign
from windows
left join touches as first_touch on windows.customer_id = first_touch.customer_id and first_touch.first_rank = 1
left join touches as last_touch on windows.customer_id = last_touch.customer_id and last_touch.last_rank = 1
