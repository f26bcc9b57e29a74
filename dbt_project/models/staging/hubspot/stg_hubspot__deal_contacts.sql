with source as (
    {{ source_or_empty('hubspot', 'deal_contacts') }}
),

renamed as (
    select distinct
        from_id as deal_id,
        to_id as contact_id,
        association_type_id
    from source
)

select * from renamed
