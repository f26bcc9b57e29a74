{#- One row per resolved person: ids in each system, survivorship-chosen attributes with their source,
    company, lifecycle, first/last touch, engagement rollups, revenue and the lead score. -#}
with profiles as (
    select * from {{ ref('int_customer_profiles_survived') }}
),

lifecycles as (
    select * from {{ ref('int_customer_lifecycles_derived') }}
),

engagement as (
    select * from {{ ref('int_customer_engagement_rolled_up') }}
),

scores as (
    select * from {{ ref('lead_scores') }}
)

select
    profiles.customer_id,
    lifecycles.hubspot_contact_id,
    lifecycles.hubspot_contact_count,
    lifecycles.salesforce_lead_id,
    lifecycles.salesforce_lead_count,
    lifecycles.salesforce_contact_id,
    lifecycles.salesforce_contact_count,
    lifecycles.form_submission_count,
    profiles.email,
    profiles.email_source,
    profiles.first_name,
    profiles.first_name_source,
    profiles.last_name,
    profiles.last_name_source,
    profiles.job_title,
    profiles.job_title_source,
    profiles.phone_e164,
    profiles.phone_e164_source,
    profiles.country,
    profiles.country_source,
    profiles.company_name,
    profiles.company_name_source,
    profiles.company_domain,
    profiles.company_domain_source,
    profiles.industry,
    profiles.industry_source,
    profiles.employee_count,
    profiles.employee_count_source,
    profiles.owner_id,
    profiles.owner_id_source,
    lifecycles.lifecycle_stage,
    lifecycles.lead_at,
    lifecycles.mql_at,
    lifecycles.sql_at,
    lifecycles.opportunity_at,
    lifecycles.customer_at,
    engagement.first_touch_channel,
    engagement.first_touch_campaign,
    engagement.last_touch_channel,
    engagement.last_touch_campaign,
    {%- for days in [30, 90] %}
    coalesce(engagement.form_submissions_{{ days }}d, 0) as form_submissions_{{ days }}d,
    coalesce(engagement.email_opens_{{ days }}d, 0) as email_opens_{{ days }}d,
    coalesce(engagement.email_clicks_{{ days }}d, 0) as email_clicks_{{ days }}d,
    coalesce(engagement.events_attended_{{ days }}d, 0) as events_attended_{{ days }}d,
    {%- endfor %}
    engagement.last_engagement_at,
    lifecycles.opportunity_count,
    lifecycles.open_pipeline_amount,
    lifecycles.closed_won_revenue,
    scores.fit_score,
    scores.engagement_score,
    scores.lead_score,
    scores.lead_tier,
    scores.scoring_date
from profiles
inner join lifecycles on profiles.customer_id = lifecycles.customer_id
left join engagement on profiles.customer_id = engagement.customer_id
left join scores on profiles.customer_id = scores.customer_id
