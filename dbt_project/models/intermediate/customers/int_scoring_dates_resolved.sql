{#- The single date everything time-relative is computed as of (see docs block scoring_date):
    one row, always. Default: the day of the latest activity or record creation in the data. -#}
{%- set configured = customer_setting('scoring_date') -%}
{% if configured %}
select cast('{{ configured }}' as date) as scoring_date
{% else %}
with latest as (
    select max(occurred_at) as latest_at from {{ ref('int_customer_activities_unioned') }}
    union all
    select max(created_at) from {{ ref('int_person_records_unioned') }}
)

select coalesce(cast(max(latest_at) as date), cast('1970-01-01' as date)) as scoring_date
from latest
{% endif %}
