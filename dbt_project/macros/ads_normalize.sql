{#- Normalisation shared by the ads, analytics and attribution models. -#}

{#- A UTM value as used for joining: trimmed and lower-cased; blank becomes null. -#}
{% macro ads_normalize_utm(expression) -%}
    nullif(lower(trim({{ expression }})), '')
{%- endmacro %}

{#- Google Ads micros (millionths of the account currency) as an exact decimal amount. -#}
{% macro ads_micros_to_units(expression) -%}
    cast(cast({{ expression }} as decimal(18, 0)) * cast(0.000001 as decimal(7, 6)) as decimal(18, 6))
{%- endmacro %}

{#- Money as the unified exact type (account currency, up to micro precision). -#}
{% macro ads_money(expression) -%}
    cast({{ expression }} as decimal(18, 6))
{%- endmacro %}
