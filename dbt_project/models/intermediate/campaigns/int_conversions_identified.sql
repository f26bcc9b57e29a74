{#-
    Closed-won opportunities (not deleted) with the customer who converted: the opportunity's primary
    contact role → Salesforce contact → int_customer_identities_resolved. customer_id is null when the
    opportunity has no primary contact or the contact resolved to no customer.
-#}
with won as (
    select opportunity_id, close_date, cast(amount as decimal(18, 2)) as amount
    from {{ ref('stg_salesforce__opportunities') }}
    where is_won and not is_deleted and close_date is not null
),

primary_contacts as (
    select opportunity_id, contact_id
    from {{ ref('stg_salesforce__opportunity_contact_roles') }}
    where is_primary and not is_deleted
    qualify row_number() over (partition by opportunity_id order by created_at, opportunity_contact_role_id) = 1
),

contact_customers as (
    select source_record_id as contact_id, customer_id
    from {{ ref('int_customer_identities_resolved') }}
    where source_system = 'salesforce' and source_object = 'Contact'
)

select
    won.opportunity_id,
    won.close_date,
    coalesce(won.amount, 0) as amount,
    primary_contacts.contact_id,
    contact_customers.customer_id
from won
left join primary_contacts on won.opportunity_id = primary_contacts.opportunity_id
left join contact_customers on primary_contacts.contact_id = contact_customers.contact_id
