{#-
    Every marketing touch of a resolved customer: form submissions (UTMs and click ids), e-mail clicks,
    and Salesforce campaign responses, each with its channel from the channel taxonomy. A touch whose
    campaign is an ad platform's takes that platform and campaign type (so a gclid on a Google display
    campaign is display, not search); other touches are classified by their UTMs and click id, and
    campaign responses by their Salesforce campaign. A campaign response is dropped when the same
    customer has a form submission or e-mail click of the same campaign that day (one interaction seen
    by two systems counts once). Touches of records that resolve to no customer are left out.
-#}
with identity_map as (
    select customer_id, source_system, source_object, source_record_id
    from {{ ref('int_customer_identities_resolved') }}
),

campaign_names as (
    select utm_campaign, platform, campaign_type
    from {{ ref('int_campaign_names_resolved') }}
),

form_touches as (
    select
        submissions.conversion_id as touch_id,
        'form_submission' as touch_type,
        identity_map.customer_id,
        {{ ads_utc('submissions.submitted_at') }} as touched_at,
        submissions.utm_source,
        submissions.utm_medium,
        submissions.utm_campaign,
        {{ click_id_type('submissions.gclid', 'submissions.fbclid', 'submissions.li_fat_id') }} as click_id
    from {{ ref('stg_hubspot__form_submissions') }} as submissions
    inner join identity_map
        on identity_map.source_system = 'hubspot'
        and identity_map.source_object = 'form_submissions'
        and identity_map.source_record_id = submissions.conversion_id
),

email_recipients as (
    {#- A recipient address belongs to a customer when its HubSpot contacts resolve to exactly one. -#}
    select contacts.email_match_key, min(identity_map.customer_id) as customer_id
    from {{ ref('stg_hubspot__contacts') }} as contacts
    inner join identity_map
        on identity_map.source_system = 'hubspot'
        and identity_map.source_object = 'contacts'
        and identity_map.source_record_id = cast(contacts.contact_id as varchar)
    where contacts.email_match_key is not null
    group by contacts.email_match_key
    having count(distinct identity_map.customer_id) = 1
),

email_touches as (
    select
        clicks.email_event_id as touch_id,
        'email_click' as touch_type,
        email_recipients.customer_id,
        {{ ads_utc('clicks.occurred_at') }} as touched_at,
        clicks.utm_source,
        coalesce(clicks.utm_medium, 'email') as utm_medium,
        clicks.utm_campaign,
        cast(null as varchar) as click_id
    from {{ ref('int_email_clicks_parsed') }} as clicks
    inner join email_recipients on clicks.email_match_key = email_recipients.email_match_key
),

response_touches as (
    select
        members.campaign_member_id as touch_id,
        'campaign_response' as touch_type,
        coalesce(contact_map.customer_id, lead_map.customer_id) as customer_id,
        {{ ads_utc('members.first_responded_date') }} as touched_at,
        cast(null as varchar) as utm_source,
        cast(null as varchar) as utm_medium,
        campaigns.campaign_name_normalized as utm_campaign,
        cast(null as varchar) as click_id
    from {{ ref('stg_salesforce__campaign_members') }} as members
    inner join {{ ref('stg_salesforce__campaigns') }} as campaigns on members.campaign_id = campaigns.campaign_id
    left join identity_map as contact_map
        on contact_map.source_system = 'salesforce'
        and contact_map.source_object = 'Contact'
        and contact_map.source_record_id = members.contact_id
    left join identity_map as lead_map
        on lead_map.source_system = 'salesforce'
        and lead_map.source_object = 'Lead'
        and lead_map.source_record_id = members.lead_id
    where members.has_responded
        and not members.is_deleted
        and members.first_responded_date is not null
        and coalesce(contact_map.customer_id, lead_map.customer_id) is not null
),

precise_touches as (
    select * from form_touches
    union all
    select * from email_touches
),

distinct_responses as (
    select response_touches.*
    from response_touches
    where not exists (
        select 1
        from precise_touches
        where precise_touches.customer_id = response_touches.customer_id
            and precise_touches.utm_campaign = response_touches.utm_campaign
            and cast(precise_touches.touched_at as date) = cast(response_touches.touched_at as date)
    )
),

touches as (
    select
        unioned.*,
        {#- An ad platform's campaign decides; a CRM campaign only for its own responses. -#}
        case
            when campaign_names.platform <> 'crm' or unioned.touch_type = 'campaign_response'
                then campaign_names.platform
        end as platform,
        case
            when campaign_names.platform <> 'crm' or unioned.touch_type = 'campaign_response'
                then campaign_names.campaign_type
        end as campaign_type
    from (
        select * from precise_touches
        union all
        select * from distinct_responses
    ) as unioned
    left join campaign_names on unioned.utm_campaign = campaign_names.utm_campaign
)

select
    touches.touch_id,
    touches.touch_type,
    touches.customer_id,
    touches.touched_at,
    taxonomy.channel,
    taxonomy.sub_channel,
    taxonomy.is_paid,
    touches.utm_source,
    touches.utm_medium,
    touches.utm_campaign,
    touches.click_id,
    touches.platform
from touches
inner join {{ ref('channel_taxonomy') }} as taxonomy
    on {{ channel_rule_matches(
        'taxonomy', 'touches.click_id', 'touches.platform', 'touches.campaign_type',
        'touches.utm_source', 'touches.utm_medium'
    ) }}
qualify {{ channel_rule_first('taxonomy', 'touches.touch_id') }}
