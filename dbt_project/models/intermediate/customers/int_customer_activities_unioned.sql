{#- Every dated activity of a resolved customer: form submissions, e-mail opens and clicks, webinar
    attendance, and opportunities opened with the customer as primary contact. E-mail events reach a customer through the recipient's match key, only when that
    key belongs to exactly one customer (a shared info@ address credits nobody). -#}
with identity_map as (
    select customer_id, source_object, source_record_id from {{ ref('int_customer_identities_resolved') }}
),

records as (
    select record_key, email_match_key from {{ ref('int_person_records_unioned') }}
),

components as (
    select record_key, customer_id from {{ ref('int_identity_components_resolved') }}
),

email_owners as (
    select records.email_match_key, min(components.customer_id) as customer_id
    from records
    inner join components on records.record_key = components.record_key
    where records.email_match_key is not null
    group by records.email_match_key
    having count(distinct components.customer_id) = 1
),

form_submissions as (
    select
        identity_map.customer_id,
        submissions.conversion_id as activity_id,
        case
            when submissions.page_url like '%/demo-request%' then 'demo_request'
            when submissions.page_url like '%/contact-us%' then 'contact_us'
            when submissions.page_url like '%/webinar-registration%' then 'webinar_registration'
            when submissions.page_url like '%/newsletter-signup%' then 'newsletter_signup'
            else 'content_download'
        end as activity_type,
        'forms' as activity_group,
        submissions.submitted_at as occurred_at,
        touches.channel,
        submissions.utm_campaign as campaign,
        true as is_touch
    from {{ ref('stg_hubspot__form_submissions') }} as submissions
    inner join identity_map
        on identity_map.source_object = 'form_submissions'
        and identity_map.source_record_id = submissions.conversion_id
    left join {{ ref('int_touches_unioned') }} as touches
        on touches.touch_type = 'form_submission' and touches.touch_id = submissions.conversion_id
),

email_events as (
    select
        email_owners.customer_id,
        events.email_event_id as activity_id,
        'email_' || events.event_type as activity_type,
        'email' as activity_group,
        events.occurred_at,
        'email' as channel,
        cast(events.email_campaign_id as {{ dbt.type_string() }}) as campaign,
        events.event_type = 'click' as is_touch
    from {{ ref('stg_hubspot__email_events') }} as events
    inner join email_owners on events.email_match_key = email_owners.email_match_key
    where events.event_type in ('open', 'click')
),

webinar_attendance as (
    select
        identity_map.customer_id,
        members.campaign_member_id as activity_id,
        'webinar_attended' as activity_type,
        'events' as activity_group,
        cast(members.first_responded_date as {{ dbt.type_timestamp() }}) as occurred_at,
        'event' as channel,
        campaigns.campaign_name as campaign,
        false as is_touch
    from {{ ref('stg_salesforce__campaign_members') }} as members
    inner join {{ ref('stg_salesforce__campaigns') }} as campaigns
        on members.campaign_id = campaigns.campaign_id
    -- a converted lead's membership carries both ids: the contact is the one that still lives
    inner join identity_map
        on identity_map.source_object = case when members.contact_id is not null then 'Contact' else 'Lead' end
        and identity_map.source_record_id = coalesce(members.contact_id, members.lead_id)
    where members.has_responded and not members.is_deleted and campaigns.campaign_type = 'Webinar'
),

opportunities_opened as (
    select
        identity_map.customer_id,
        opportunities.opportunity_id as activity_id,
        'opportunity_opened' as activity_type,
        'sales' as activity_group,
        opportunities.created_at as occurred_at,
        cast(null as {{ dbt.type_string() }}) as channel,
        opportunities.campaign_id as campaign,
        false as is_touch
    from {{ ref('stg_salesforce__opportunity_contact_roles') }} as roles
    inner join {{ ref('stg_salesforce__opportunities') }} as opportunities
        on roles.opportunity_id = opportunities.opportunity_id and not opportunities.is_deleted
    inner join identity_map
        on identity_map.source_object = 'Contact' and identity_map.source_record_id = roles.contact_id
    where roles.is_primary and not roles.is_deleted
)

select * from form_submissions
union all
select * from opportunities_opened
union all
select * from email_events
union all
select * from webinar_attendance
