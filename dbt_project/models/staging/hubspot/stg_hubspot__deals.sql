with source as (
    {{ source_or_empty('hubspot', 'deals') }}
),

renamed as (
    select
        id as deal_id,
        {{ clean_text('dealname') }} as deal_name,
        amount,
        {{ clean_lower('dealstage') }} as deal_stage,
        {{ clean_lower('pipeline') }} as pipeline,
        closedate as closed_at,
        {{ clean_lower('dealstage') }} in ('closedwon', 'closedlost') as is_closed,
        {{ clean_lower('dealstage') }} = 'closedwon' as is_won,
        {{ clean_text('hubspot_owner_id') }} as owner_id,
        coalesce(archived, false) as is_archived,
        archived_at,
        coalesce(createdate, created_at) as created_at,
        coalesce(hs_lastmodifieddate, updated_at) as updated_at
    from source
)

select * from renamed
