{#- A ratio that is null instead of an error (or infinity) when the denominator is null or zero. -#}
{% macro ads_safe_divide(numerator, denominator) -%}
    case when coalesce({{ denominator }}, 0) = 0 then null else cast({{ numerator }} as double) / {{ denominator }} end
{%- endmacro %}

{#- A timestamp with time zone as a UTC timestamp without zone (dates become UTC midnight). -#}
{% macro ads_utc(expression) -%}
    cast(cast({{ expression }} as timestamp with time zone) at time zone 'UTC' as timestamp)
{%- endmacro %}
