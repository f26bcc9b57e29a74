-- lead_score is 0–100 and engagement never exceeds the sum of the group caps.
select scores.customer_id
from {{ ref('lead_scores') }} as scores
cross join (
    select sum(points) as max_engagement
    from {{ ref('scoring_weights') }}
    where component = 'engagement' and factor = 'cap'
) as caps
where scores.lead_score < 0 or scores.lead_score > 100 or scores.engagement_score > caps.max_engagement + 0.01
