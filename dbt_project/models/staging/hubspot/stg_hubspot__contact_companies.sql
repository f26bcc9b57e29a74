with source as (
    {{ source_or_empty('hubspot', 'contact_companies') }}
),

renamed as (
    select distinct
        from_id as contact_id,
        to_id as company_id,
        association_type_id
    from source
)

select * from renamed
