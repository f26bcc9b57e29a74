with source as (
    {{ source_or_empty('salesforce', 'opportunity_contact_roles') }}
),

renamed as (
    select
        id as opportunity_contact_role_id,
        opportunity_id,
        contact_id,
        {{ clean_text('role') }} as contact_role,
        coalesce(is_primary, false) as is_primary,
        coalesce(is_deleted, false) as is_deleted,
        created_date as created_at,
        last_modified_date as updated_at
    from source
)

select * from renamed
