{#- A LinkedIn campaign is our ad group; its campaign group is our campaign. -#}
with source as (
    {{ source_or_empty('linkedin_ads', 'campaigns') }}
),

renamed as (
    select
        account_id,
        cast(id as varchar) as ad_group_id,
        name as ad_group_name,
        lower(status) as ad_group_status,
        lower(type) as ad_group_type,
        {{ dbt.split_part('campaign_group', "':'", -1) }} as campaign_id
    from source
)

select * from renamed
