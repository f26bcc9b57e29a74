{#- One row per live, writable CRM person record (HubSpot contact, unconverted Salesforce lead,
    Salesforce contact) with its customer's scores: the source of the reverse syncs in
    reverse/syncs.yml, keyed on the CRM's own id so no sync spends calls on matching. -#}
with records as (
    select customer_id, source_system, source_object, source_record_id
    from {{ ref('int_customer_identities_resolved') }}
    where source_object in ('contacts', 'Lead', 'Contact')
),

converted_leads as (
    {#- Salesforce refuses writes to converted leads (CANNOT_UPDATE_CONVERTED_LEAD) -#}
    select lead_id from {{ ref('stg_salesforce__leads') }} where is_converted
),

customers as (
    select customer_id, lead_score, lead_tier, fit_score, engagement_score, last_engagement_at, scoring_date
    from {{ ref('customers') }}
    where lead_score is not null
)

select
    records.source_system as crm_system,
    records.source_object as crm_object,
    records.source_record_id as crm_record_id,
    records.customer_id,
    customers.lead_score,
    customers.lead_tier,
    customers.fit_score,
    customers.engagement_score,
    cast(customers.last_engagement_at as date) as last_engagement_date,
    customers.scoring_date
from records
inner join customers on records.customer_id = customers.customer_id
left join converted_leads on records.source_record_id = converted_leads.lead_id
where converted_leads.lead_id is null
