with source as (
    {{ source_or_empty('salesforce', 'campaigns') }}
),

renamed as (
    select
        id as campaign_id,
        {{ clean_text('name') }} as campaign_name,
        {{ clean_lower('name') }} as campaign_name_normalized,
        {{ clean_text('type') }} as campaign_type,
        {{ clean_text('status') }} as campaign_status,
        start_date,
        end_date,
        coalesce(is_active, false) as is_active,
        coalesce(is_deleted, false) as is_deleted,
        created_date as created_at,
        last_modified_date as updated_at
    from source
)

select * from renamed
