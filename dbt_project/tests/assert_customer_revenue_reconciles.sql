-- Closed-won revenue on customers equals the closed-won opportunities whose primary contact resolved
-- to a customer (no double counting through duplicate records).
with expected as (
    select sum(opportunities.amount) as revenue
    from {{ ref('stg_salesforce__opportunities') }} as opportunities
    where opportunities.is_won and not opportunities.is_deleted
        and exists (
            select 1
            from {{ ref('stg_salesforce__opportunity_contact_roles') }} as roles
            inner join {{ ref('customer_identity_map') }} as identity_map
                on identity_map.source_object = 'Contact' and identity_map.source_record_id = roles.contact_id
            where roles.opportunity_id = opportunities.opportunity_id and roles.is_primary and not roles.is_deleted
        )
),

actual as (
    select sum(closed_won_revenue) as revenue from {{ ref('customers') }}
)

select expected.revenue, actual.revenue
from expected cross join actual
where abs(coalesce(expected.revenue, 0) - coalesce(actual.revenue, 0)) >= 0.01
