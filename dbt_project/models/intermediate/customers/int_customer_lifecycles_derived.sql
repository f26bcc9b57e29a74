{#-
    Per customer: the record ids in each system, lifecycle timestamps and opportunity revenue.
    The stage is the furthest of: the HubSpot lifecycle stage; marketing-qualified once a Salesforce
    lead exists (marketing handed the person to sales); sales-qualified once sales works a lead (status
    `Working - Contacted`); opportunity / customer from the Salesforce opportunities the customer is the
    primary contact of. A Salesforce contact alone qualifies nobody (contacts come from conversions and
    imports). lead_at = earliest record; mql_at = first Salesforce lead (else first form, else lead_at)
    once at least MQL; sql_at = first worked lead (else mql_at) once at least SQL; opportunity_at /
    customer_at = first opportunity created / first closed-won close date. Pipeline = open amount.
-#}
with identity_map as (
    select * from {{ ref('int_customer_identities_resolved') }}
),

records as (
    select
        components.customer_id,
        records.source_object,
        records.source_record_id,
        records.created_at
    from {{ ref('int_person_records_unioned') }} as records
    inner join {{ ref('int_identity_components_resolved') }} as components
        on records.record_key = components.record_key
),

hubspot_stages as (
    select
        identity_map.customer_id,
        max(
            case contacts.lifecycle_stage
                when 'subscriber' then 0 when 'lead' then 1 when 'marketingqualifiedlead' then 2
                when 'salesqualifiedlead' then 3 when 'opportunity' then 4 when 'customer' then 5
                else 1
            end
        ) as stage_rank
    from identity_map
    inner join {{ ref('stg_hubspot__contacts') }} as contacts
        on identity_map.source_object = 'contacts'
        and identity_map.source_record_id = cast(contacts.contact_id as {{ dbt.type_string() }})
    group by identity_map.customer_id
),

salesforce_leads as (
    select
        identity_map.customer_id,
        min(leads.created_at) as first_lead_at,
        min(case when leads.lead_status = 'Working - Contacted' then leads.created_at end) as first_worked_lead_at
    from identity_map
    inner join {{ ref('stg_salesforce__leads') }} as leads
        on identity_map.source_object = 'Lead' and identity_map.source_record_id = leads.lead_id
    where not leads.is_deleted
    group by identity_map.customer_id
),

opportunities as (
    select
        identity_map.customer_id,
        min(opportunities.created_at) as first_opportunity_at,
        min(case when opportunities.is_won then opportunities.close_date end) as first_won_date,
        count(distinct opportunities.opportunity_id) as opportunity_count,
        sum(case when not opportunities.is_closed then opportunities.amount else 0 end) as open_pipeline_amount,
        sum(case when opportunities.is_won then opportunities.amount else 0 end) as closed_won_revenue
    from {{ ref('stg_salesforce__opportunity_contact_roles') }} as roles
    inner join {{ ref('stg_salesforce__opportunities') }} as opportunities
        on roles.opportunity_id = opportunities.opportunity_id and not opportunities.is_deleted
    inner join identity_map
        on identity_map.source_object = 'Contact' and identity_map.source_record_id = roles.contact_id
    where roles.is_primary and not roles.is_deleted
    group by identity_map.customer_id
),

per_customer as (
    select
        customer_id,
        min(case when source_object = 'contacts' then source_record_id end) as hubspot_contact_id,
        count(case when source_object = 'contacts' then 1 end) as hubspot_contact_count,
        min(case when source_object = 'Lead' then source_record_id end) as salesforce_lead_id,
        count(case when source_object = 'Lead' then 1 end) as salesforce_lead_count,
        min(case when source_object = 'Contact' then source_record_id end) as salesforce_contact_id,
        count(case when source_object = 'Contact' then 1 end) as salesforce_contact_count,
        count(case when source_object = 'form_submissions' then 1 end) as form_submission_count,
        min(created_at) as lead_at,
        min(case when source_object = 'form_submissions' then created_at end) as first_form_at
    from records
    group by customer_id
),

staged as (
    select
        per_customer.*,
        greatest(
            coalesce(hubspot_stages.stage_rank, 0),
            case when salesforce_leads.first_lead_at is not null then 2 else 0 end,
            case when salesforce_leads.first_worked_lead_at is not null then 3 else 0 end,
            case when opportunities.first_opportunity_at is not null then 4 else 0 end,
            case when opportunities.first_won_date is not null then 5 else 0 end
        ) as stage_rank,
        salesforce_leads.first_lead_at,
        salesforce_leads.first_worked_lead_at,
        opportunities.first_opportunity_at,
        opportunities.first_won_date,
        coalesce(opportunities.opportunity_count, 0) as opportunity_count,
        cast(coalesce(opportunities.open_pipeline_amount, 0) as decimal(18, 2)) as open_pipeline_amount,
        cast(coalesce(opportunities.closed_won_revenue, 0) as decimal(18, 2)) as closed_won_revenue
    from per_customer
    left join hubspot_stages on per_customer.customer_id = hubspot_stages.customer_id
    left join salesforce_leads on per_customer.customer_id = salesforce_leads.customer_id
    left join opportunities on per_customer.customer_id = opportunities.customer_id
)

select
    customer_id,
    hubspot_contact_id,
    hubspot_contact_count,
    salesforce_lead_id,
    salesforce_lead_count,
    salesforce_contact_id,
    salesforce_contact_count,
    form_submission_count,
    case stage_rank
        when 0 then 'subscriber' when 1 then 'lead' when 2 then 'marketingqualifiedlead'
        when 3 then 'salesqualifiedlead' when 4 then 'opportunity' else 'customer'
    end as lifecycle_stage,
    lead_at,
    case when stage_rank >= 2 then coalesce(first_lead_at, first_form_at, lead_at) end as mql_at,
    case when stage_rank >= 3 then coalesce(first_worked_lead_at, first_lead_at, first_form_at, lead_at) end as sql_at,
    first_opportunity_at as opportunity_at,
    cast(first_won_date as {{ dbt.type_timestamp() }}) as customer_at,
    opportunity_count,
    open_pipeline_amount,
    closed_won_revenue
from staged
