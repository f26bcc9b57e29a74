{#-
    The data's "as of" date per platform: the newest day with any spend, sessions, leads or
    opportunities in the campaign view. The sandbox's world ends at its own clock, so analysts
    (and the report) count periods back from here, not from current_date.
-#}
select
    platform,
    max(date_day) as newest_activity_day
from {{ ref('campaign_performance_daily') }}
where spend <> 0 or sessions <> 0 or leads <> 0 or opportunities <> 0
group by platform
