{#- Each system's load runs, as the load runner recorded them (the wall-clock times as UTC). -#}
with source as (
    select * from {{ source('monitor', 'load_runs') }}
),

renamed as (
    select
        run_id,
        system,
        status as load_status,
        started_at at time zone 'UTC' as load_started_at,
        finished_at at time zone 'UTC' as load_finished_at,
        error as load_error
    from source
)

select * from renamed
