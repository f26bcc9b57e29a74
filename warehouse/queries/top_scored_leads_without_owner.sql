-- The 50 best-scored people nobody owns yet: no owner on any of their HubSpot contacts, Salesforce
-- leads or contacts. Hand these to sales first.
with owned as (
    select distinct identity_map.customer_id
    from marts.customer_identity_map as identity_map
    left join staging.stg_hubspot__contacts as contacts
        on identity_map.source_system = 'hubspot' and identity_map.source_object = 'contacts'
        and identity_map.source_record_id = cast(contacts.contact_id as varchar)
    left join staging.stg_salesforce__leads as leads
        on identity_map.source_system = 'salesforce' and identity_map.source_object = 'Lead'
        and identity_map.source_record_id = leads.lead_id
    left join staging.stg_salesforce__contacts as sf_contacts
        on identity_map.source_system = 'salesforce' and identity_map.source_object = 'Contact'
        and identity_map.source_record_id = sf_contacts.contact_id
    where coalesce(contacts.owner_id, leads.owner_id, sf_contacts.owner_id) is not null
)

select
    scores.customer_id,
    scores.lead_score,
    scores.lead_tier,
    scores.fit_score,
    scores.engagement_score,
    scores.top_factors,
    scores.scored_at
from marts.lead_scores as scores
where scores.customer_id not in (select customer_id from owned)
order by scores.lead_score desc, scores.customer_id
limit 50
