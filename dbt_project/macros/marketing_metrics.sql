{#- The marketing metrics are defined once, in var `marketing_metrics` (dbt_project.yml): each is a
    ratio of two additive columns, null when the denominator is zero. -#}

{#- The metrics' names, in their defined order. -#}
{% macro marketing_metric_names() -%}
    {{ return(var('marketing_metrics').keys() | list) }}
{%- endmacro %}

{#- One metric as a SQL expression over columns prefixed by `prefix` (e.g. 'aggregated.'). -#}
{% macro marketing_metric(name, prefix='') -%}
    {%- set metric = var('marketing_metrics')[name] -%}
    {{ ads_safe_divide(prefix ~ metric.numerator, prefix ~ metric.denominator) }}
{%- endmacro %}

