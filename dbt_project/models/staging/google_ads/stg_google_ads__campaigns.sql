with source as (
    {{ source_or_empty('google_ads', 'campaigns') }}
),

renamed as (
    select
        customer_id as account_id,
        cast(campaign_id as varchar) as campaign_id,
        campaign_name,
        {{ ads_normalize_utm('campaign_name') }} as utm_campaign,
        lower(campaign_status) as campaign_status,
        lower(campaign_advertising_channel_type) as campaign_type
    from source
)

select * from renamed
