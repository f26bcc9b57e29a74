{#- The incremental e-mail click model holds exactly the click events staging holds (no gap, no stale row). -#}
with staged as (
    select email_event_id from {{ ref('stg_hubspot__email_events') }} where event_type = 'click'
),

stored as (
    select email_event_id from {{ ref('int_email_clicks_parsed') }}
)

select coalesce(staged.email_event_id, stored.email_event_id) as email_event_id,
    staged.email_event_id is null as only_in_model
from staged
full outer join stored on staged.email_event_id = stored.email_event_id
where staged.email_event_id is null or stored.email_event_id is null
