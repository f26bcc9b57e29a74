{#- The identity-resolution result for analysts: one row per live person record, the customer it resolved
    to and the strongest link (int_customer_identities_resolved, where the resolution happens). -#}
select
    customer_id,
    source_system,
    source_object,
    source_record_id,
    identifier,
    match_rule
from {{ ref('int_customer_identities_resolved') }}
