with source as (
    {{ source_or_empty('hubspot', 'companies') }}
),

renamed as (
    select
        id as company_id,
        {{ clean_text('name') }} as company_name,
        {{ website_domain('domain') }} as domain,
        {{ industry_key('industry') }} as industry,
        cast(numberofemployees as {{ dbt.type_bigint() }}) as employee_count,
        annualrevenue as annual_revenue,
        {{ clean_text('country') }} as country,
        {{ clean_text('city') }} as city,
        {{ clean_lower('lifecyclestage') }} as lifecycle_stage,
        coalesce(archived, false) as is_archived,
        archived_at,
        coalesce(createdate, created_at) as created_at,
        coalesce(hs_lastmodifieddate, updated_at) as updated_at
    from source
)

select * from renamed
