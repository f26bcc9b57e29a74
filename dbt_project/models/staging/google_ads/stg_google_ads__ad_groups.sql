with source as (
    {{ source_or_empty('google_ads', 'ad_groups') }}
),

renamed as (
    select
        customer_id as account_id,
        cast(campaign_id as varchar) as campaign_id,
        cast(ad_group_id as varchar) as ad_group_id,
        ad_group_name,
        lower(ad_group_status) as ad_group_status
    from source
)

select * from renamed
