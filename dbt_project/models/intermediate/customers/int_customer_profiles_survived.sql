{#-
    One row per customer with survivorship-chosen attributes, each with the record it came from
    (`<attribute>_source` = '<system>.<object>'). Survivorship: the first non-blank value by source
    priority (Salesforce Contact, Salesforce Lead, HubSpot contact, form submission), then the most
    recently updated record; for the e-mail a work address beats a free-mail one first. Company size and
    industry come from the Salesforce Account, then the associated HubSpot company, then the Lead.
-#}
{%- set attributes = ['email', 'first_name', 'last_name', 'job_title', 'company_name', 'phone_e164',
                      'country', 'industry', 'employee_count', 'company_domain', 'owner_id'] -%}
with components as (
    select record_key, customer_id from {{ ref('int_identity_components_resolved') }}
),

free_domains as (
    select domain from {{ ref('free_email_domains') }}
),

hubspot_companies as (
    select
        links.contact_id,
        min(companies.industry) as industry,
        max(companies.employee_count) as employee_count,
        min(companies.domain) as domain
    from {{ ref('stg_hubspot__contact_companies') }} as links
    inner join {{ ref('stg_hubspot__companies') }} as companies
        on links.company_id = companies.company_id and not companies.is_archived
    group by links.contact_id
),

salesforce_contacts as (
    select contacts.contact_id, accounts.industry, accounts.employee_count, accounts.domain
    from {{ ref('stg_salesforce__contacts') }} as contacts
    inner join {{ ref('stg_salesforce__accounts') }} as accounts
        on contacts.account_id = accounts.account_id and not accounts.is_deleted
),

leads as (
    select lead_id, industry, employee_count from {{ ref('stg_salesforce__leads') }}
),

records as (
    select
        components.customer_id,
        records.source_system || '.' || records.source_object as record_source,
        case records.source_object
            when 'Contact' then 1 when 'Lead' then 2 when 'contacts' then 3 else 4
        end as source_priority,
        records.updated_at,
        records.email_normalized as email,
        free_domains.domain is not null as is_free_mail,
        records.first_name,
        records.last_name,
        records.job_title,
        records.company_name,
        records.phone_e164,
        records.country,
        records.owner_id,
        coalesce(salesforce_contacts.industry, hubspot_companies.industry, leads.industry) as industry,
        coalesce(
            salesforce_contacts.employee_count, hubspot_companies.employee_count, leads.employee_count
        ) as employee_count,
        coalesce(
            salesforce_contacts.domain,
            hubspot_companies.domain,
            case when free_domains.domain is null then records.email_domain end
        ) as company_domain
    from {{ ref('int_person_records_unioned') }} as records
    inner join components on records.record_key = components.record_key
    left join free_domains on records.email_domain = free_domains.domain
    left join hubspot_companies
        on records.source_object = 'contacts'
        and records.source_record_id = cast(hubspot_companies.contact_id as {{ dbt.type_string() }})
    left join salesforce_contacts
        on records.source_object = 'Contact' and records.source_record_id = salesforce_contacts.contact_id
    left join leads on records.source_object = 'Lead' and records.source_record_id = leads.lead_id
),

{% for attribute in attributes %}
ranked_{{ attribute }} as (
    select
        customer_id,
        {{ attribute }},
        record_source as {{ attribute }}_source,
        row_number() over (
            partition by customer_id
            order by
                {% if attribute == 'email' %}is_free_mail,{% endif %}
                source_priority,
                updated_at desc,
                {{ attribute }}  {#- ties (same source, same time) pick the same value every build -#}
        ) as survivor_rank
    from records
    where {{ attribute }} is not null
),
{% endfor %}

customers as (
    select
        customer_id,
        bool_and(is_free_mail or email is null) as has_only_free_mail
    from records
    group by customer_id
)

select
    customers.customer_id,
    {%- for attribute in attributes %}
    ranked_{{ attribute }}.{{ attribute }},
    ranked_{{ attribute }}.{{ attribute }}_source,
    {%- endfor %}
    customers.has_only_free_mail
from customers
{%- for attribute in attributes %}
left join ranked_{{ attribute }}
    on customers.customer_id = ranked_{{ attribute }}.customer_id and ranked_{{ attribute }}.survivor_rank = 1
{%- endfor %}
