{#-
    The body of a staging model's `source` CTE. When `var('<system>_enabled')` is true it reads the raw
    table; when the system is switched off it returns zero rows with the columns (and types) declared for
    that source table in its YAML, so the raw table need not exist and every downstream mart still builds.
-#}
{% macro source_or_empty(system, table) -%}
    {%- set relation = source(system, table) -%}
    {%- if var(system ~ '_enabled', true) -%}
        select * from {{ relation }}
    {%- else -%}
        {%- set columns = [] -%}
        {%- if execute -%}
            {%- set node = graph.sources['source.' ~ project_name ~ '.' ~ system ~ '.' ~ table] -%}
            {%- set columns = node.columns.values() | list -%}
            {%- if columns | length == 0 -%}
                {{ exceptions.raise_compiler_error(
                    "source " ~ system ~ "." ~ table ~ " declares no columns: cannot build its empty stand-in "
                    ~ "while " ~ system ~ "_enabled is false") }}
            {%- endif -%}
        {%- endif -%}
        select
        {%- for column in columns %}
            cast(null as {{ column.data_type }}) as {{ column.name }}{{ "," if not loop.last }}
        {%- else %} null as _empty
        {%- endfor %}
        where false
    {%- endif -%}
{%- endmacro %}
