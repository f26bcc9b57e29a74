with source as (
    {{ source_or_empty('salesforce', 'accounts') }}
),

renamed as (
    select
        id as account_id,
        {{ clean_text('name') }} as account_name,
        {{ website_domain('website') }} as domain,
        {{ industry_key('industry') }} as industry,
        number_of_employees as employee_count,
        annual_revenue,
        {{ clean_text('billing_country') }} as country,
        {{ clean_text('billing_city') }} as city,
        {{ clean_text('owner_id') }} as owner_id,
        coalesce(is_deleted, false) as is_deleted,
        created_date as created_at,
        last_modified_date as updated_at
    from source
)

select * from renamed
