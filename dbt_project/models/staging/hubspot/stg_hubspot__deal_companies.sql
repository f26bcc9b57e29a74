with source as (
    {{ source_or_empty('hubspot', 'deal_companies') }}
),

renamed as (
    select distinct
        from_id as deal_id,
        to_id as company_id,
        association_type_id
    from source
)

select * from renamed
