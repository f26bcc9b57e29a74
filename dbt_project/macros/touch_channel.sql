{#- The marketing channel of a touch from its UTM parameters and click ids:
    paid_search | paid_social | email | organic | referral | direct (same vocabulary as the sandbox). -#}
{% macro touch_channel(utm_source, utm_medium, gclid, fbclid, li_fat_id) -%}
    case
        when {{ gclid }} is not null or {{ utm_medium }} in ('cpc', 'ppc', 'paid_search', 'paidsearch', 'sem')
            then 'paid_search'
        when {{ fbclid }} is not null or {{ li_fat_id }} is not null
            or {{ utm_medium }} in ('paid_social', 'paidsocial', 'social_paid', 'cpm')
            then 'paid_social'
        when {{ utm_medium }} in ('email', 'e-mail', 'newsletter') then 'email'
        when {{ utm_medium }} in ('organic', 'organic_search', 'seo') then 'organic'
        when {{ utm_medium }} = 'referral' then 'referral'
        when {{ utm_source }} is not null or {{ utm_medium }} is not null then 'referral'
        else 'direct'
    end
{%- endmacro %}
