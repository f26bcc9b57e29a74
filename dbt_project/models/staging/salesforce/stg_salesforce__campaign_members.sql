with source as (
    {{ source_or_empty('salesforce', 'campaign_members') }}
),

renamed as (
    select
        id as campaign_member_id,
        campaign_id,
        {{ clean_text('lead_id') }} as lead_id,
        {{ clean_text('contact_id') }} as contact_id,
        {{ clean_text('status') }} as member_status,
        coalesce(has_responded, false) as has_responded,
        first_responded_date,
        coalesce(is_deleted, false) as is_deleted,
        created_date as created_at,
        last_modified_date as updated_at
    from source
)

select * from renamed
