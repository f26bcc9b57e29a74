{#-
    One row per company across HubSpot companies and Salesforce accounts (not archived / deleted),
    matched on the normalised website domain; a record without a domain stays an account of its own.
    Attributes prefer Salesforce (the system of record for accounts), then HubSpot.
-#}
with hubspot as (
    select
        {{ account_key('domain', 'hubspot', 'company_id') }} as account_key,
        cast(company_id as {{ dbt.type_string() }}) as hubspot_company_id,
        domain, company_name, industry, employee_count, country
    from {{ ref('stg_hubspot__companies') }}
    where not coalesce(is_archived, false)
),

salesforce as (
    select
        {{ account_key('domain', 'salesforce', 'account_id') }} as account_key,
        account_id as salesforce_account_id,
        domain, account_name, industry, employee_count, country
    from {{ ref('stg_salesforce__accounts') }}
    where not coalesce(is_deleted, false)
),

hubspot_per_key as (
    select
        account_key,
        min(hubspot_company_id) as hubspot_company_id,
        count(*) as hubspot_company_count,
        min(domain) as domain,
        min(company_name) as company_name,
        min(industry) as industry,
        max(employee_count) as employee_count,
        min(country) as country
    from hubspot
    group by account_key
),

salesforce_per_key as (
    select
        account_key,
        min(salesforce_account_id) as salesforce_account_id,
        count(*) as salesforce_account_count,
        min(domain) as domain,
        min(account_name) as account_name,
        min(industry) as industry,
        max(employee_count) as employee_count,
        min(country) as country
    from salesforce
    group by account_key
)

select
    coalesce(salesforce_per_key.account_key, hubspot_per_key.account_key) as account_key,
    hubspot_per_key.hubspot_company_id,
    coalesce(hubspot_per_key.hubspot_company_count, 0) as hubspot_company_count,
    salesforce_per_key.salesforce_account_id,
    coalesce(salesforce_per_key.salesforce_account_count, 0) as salesforce_account_count,
    coalesce(salesforce_per_key.domain, hubspot_per_key.domain) as domain,
    coalesce(salesforce_per_key.account_name, hubspot_per_key.company_name) as account_name,
    coalesce(salesforce_per_key.industry, hubspot_per_key.industry) as industry,
    coalesce(salesforce_per_key.employee_count, hubspot_per_key.employee_count) as employee_count,
    coalesce(salesforce_per_key.country, hubspot_per_key.country) as country
from salesforce_per_key
full outer join hubspot_per_key on salesforce_per_key.account_key = hubspot_per_key.account_key
