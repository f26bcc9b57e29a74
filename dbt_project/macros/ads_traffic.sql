{#- The ad platform (or 'email') a source/medium pair belongs to; null for unpaid traffic. -#}
{% macro ads_platform_from_utm(source, medium) -%}
    case
        when lower(trim({{ medium }})) = 'email' then 'email'
        when lower(trim({{ medium }})) in ('cpc', 'ppc', 'paid_search', 'paidsearch', 'paid_social', 'paidsocial', 'paid')
            then case
                when lower(trim({{ source }})) in ('google', 'adwords', 'google_ads') then 'google_ads'
                when lower(trim({{ source }})) in ('facebook', 'fb', 'instagram', 'meta') then 'meta_ads'
                when lower(trim({{ source }})) in ('linkedin', 'lnkd.in') then 'linkedin_ads'
            end
    end
{%- endmacro %}
