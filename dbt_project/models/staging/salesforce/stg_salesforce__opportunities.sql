with source as (
    {{ source_or_empty('salesforce', 'opportunities') }}
),

renamed as (
    select
        id as opportunity_id,
        {{ clean_text('account_id') }} as account_id,
        {{ clean_text('name') }} as opportunity_name,
        amount,
        {{ clean_text('stage_name') }} as stage_name,
        probability,
        coalesce(is_closed, false) as is_closed,
        coalesce(is_won, false) as is_won,
        close_date,
        {{ clean_text('campaign_id') }} as campaign_id,
        {{ clean_lower('lead_source') }} as lead_source,
        {{ clean_text('owner_id') }} as owner_id,
        coalesce(is_deleted, false) as is_deleted,
        created_date as created_at,
        last_modified_date as updated_at
    from source
)

select * from renamed
