{#-
    One campaign per normalised name (utm_campaign): an ad platform's before the CRM's, then the
    smallest platform and id. Touches and activity find their campaign (and so its channel) here.
-#}
select *
from {{ ref('int_campaigns_unioned') }}
where utm_campaign is not null
qualify row_number() over (
    partition by utm_campaign
    order by case when platform = 'crm' then 1 else 0 end, platform, campaign_id
) = 1
