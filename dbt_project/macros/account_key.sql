{#- The key of a company across systems: its normalised domain, else '<system>:<record id>'. -#}
{% macro account_key(domain, system, record_id) -%}
    coalesce({{ domain }}, '{{ system }}:' || cast({{ record_id }} as {{ dbt.type_string() }}))
{%- endmacro %}
