{#-
    E-mail clicks (the only e-mail events that are touches) with the campaign parsed from the clicked
    link's UTM source, medium and campaign. Incremental: e-mail events only grow; each run re-reads the last
    `email_click_overlap_days` (default 3) before the newest click already stored, for late events.
    With HubSpot switched off it is rebuilt as an (empty) table, so no stale clicks outlive the switch.
-#}
{{ config(
    materialized='incremental' if var('hubspot_enabled', true) else 'table',
    unique_key='email_event_id',
    on_schema_change='append_new_columns',
) }}

select
    email_event_id,
    email_match_key,
    occurred_at,
    email_campaign_id,
    {%- for parameter in ['utm_source', 'utm_medium', 'utm_campaign'] %}
    {{ ads_normalize_utm("regexp_extract(url, '[?&]" ~ parameter ~ "=([^&#]+)', 1)") }} as {{ parameter }}{{ ',' if not loop.last }}
    {%- endfor %}
from {{ ref('stg_hubspot__email_events') }}
where event_type = 'click'
{%- if is_incremental() %}
    and occurred_at >= (
        select coalesce(
            {{ dbt.dateadd('day', -var('email_click_overlap_days', 3), 'max(occurred_at)') }},
            cast('1970-01-01' as timestamp with time zone)
        )
        from {{ this }}
    )
{%- endif %}
