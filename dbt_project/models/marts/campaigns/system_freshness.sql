{#-
    How current each source system is at this build: the newest moment its data covers, how its
    last load went, and whether it is stale: its last load failed, it has no data, or its data is
    older than its load schedule allows (var `<system>_freshness_warn_hours`, from the vendor
    descriptor; the `freshness` health check's warn limit) on the data clock (var `data_clock`:
    the sandbox's clock in sandbox mode). The transform builds on what is there, so a stale
    system's rows in the marts are its last good data; marts.campaign_performance_daily marks them.
-#}
{{ config(tags=['reads_clock']) }}
{%- set systems = var('as_of_columns', {}).keys() | list -%}
{%- set clock = var('data_clock', none) -%}

with systems as (
    select * from (values
        {%- for system in systems %}
        ('{{ system }}', {{ var(system ~ '_enabled', true) }}, {{ var(system ~ '_freshness_warn_hours', 0) }}){{ "," if not loop.last }}
        {%- else %}
        (cast(null as varchar), false, 0)
        {%- endfor %}
    ) as enabled_systems (system, is_enabled, allowed_hours)
    where system is not null
),

data_as_of as (
    select * from {{ ref('stg_sources__data_as_of') }}
),

load_runs as (
    select * from {{ ref('stg_monitor__load_runs') }}
),

last_load as (
    select system, load_status, load_finished_at, load_error
    from load_runs
    qualify row_number() over (partition by system order by run_id desc) = 1
),

last_success as (
    select system, max(load_finished_at) as last_successful_load_at
    from load_runs
    where load_status = 'succeeded'
    group by system
),

clock as (
    select
        {% if clock -%}
        cast('{{ clock }}' as timestamptz) at time zone 'UTC'
        {%- else -%}
        current_timestamp at time zone 'UTC'
        {%- endif %} as data_clock
),

final as (
    select
        systems.system,
        systems.is_enabled,
        data_as_of.data_as_of,
        clock.data_clock,
        cast(systems.allowed_hours as double) as allowed_hours,
        round(date_diff('second', data_as_of.data_as_of, clock.data_clock) / 3600.0, 2) as hours_behind,
        last_load.load_status as last_load_status,
        last_load.load_finished_at as last_load_finished_at,
        last_load.load_error as last_load_error,
        last_success.last_successful_load_at,
        systems.is_enabled and (
            coalesce(last_load.load_status = 'failed', false)
            or data_as_of.data_as_of is null
            or date_diff('second', data_as_of.data_as_of, clock.data_clock) > systems.allowed_hours * 3600
        ) as is_stale
    from systems
    cross join clock
    left join data_as_of on systems.system = data_as_of.system
    left join last_load on systems.system = last_load.system
    left join last_success on systems.system = last_success.system
)

select * from final
