{#-
    Numeric vendor fields that survive a vendor retyping them (schema drift).

    When a value no longer converts to its column's type, the load keeps it as text in dlt's
    variant column `<column>__v_text` and leaves the typed column null (pipelines/arrow_pages.py).
    The staging model of each table listed in `var('numeric_fields')` reads such a field through
    `numeric_field`: the typed value, else the variant's text when it still parses ("12.30" for
    a number). `numeric_fields_parse` keeps the rows whose variants all parse; the others are
    listed with the reason in `stg_drift__rejected_values` (and counted by the `rejected_values`
    health check), never dropped silently.
-#}

{#- The `numeric_fields` entry of system.table: {key: [...], columns: {name: type}}. -#}
{% macro numeric_fields_spec(system, table) -%}
    {%- set spec = var('numeric_fields').get(system ~ '.' ~ table) -%}
    {%- if spec is none -%}
        {{ exceptions.raise_compiler_error("var numeric_fields has no entry " ~ system ~ "." ~ table) }}
    {%- endif -%}
    {{ return(spec) }}
{%- endmacro %}

{#- The numeric fields of system.table whose text variant the raw table has (none while parsing,
    or when the system is switched off). -#}
{% macro drifted_numeric_fields(system, table) -%}
    {%- set drifted = [] -%}
    {%- if execute and var(system ~ '_enabled', true) -%}
        {%- set present = [] -%}
        {%- for column in adapter.get_columns_in_relation(source(system, table)) -%}
            {%- do present.append(column.name | lower) -%}
        {%- endfor -%}
        {%- for name in numeric_fields_spec(system, table).columns -%}
            {%- if (name ~ '__v_text') in present -%}{%- do drifted.append(name) -%}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(drifted) }}
{%- endmacro %}

{#- The variant's text as the field's type; null when it does not parse. -#}
{% macro parsed_variant(column, data_type) -%}
    {{ dbt.safe_cast("nullif(trim(" ~ column ~ "__v_text), '')", data_type) }}
{%- endmacro %}

{#- One numeric field of system.table in its declared type, from the variant when retyped. -#}
{% macro numeric_field(system, table, column) -%}
    {%- set data_type = numeric_fields_spec(system, table).columns[column] -%}
    {%- if column in drifted_numeric_fields(system, table) -%}
        coalesce(cast({{ column }} as {{ data_type }}), {{ parsed_variant(column, data_type) }})
    {%- else -%}
        cast({{ column }} as {{ data_type }})
    {%- endif -%}
{%- endmacro %}

{#- A condition true for the rows whose retyped fields all parse. -#}
{% macro numeric_fields_parse(system, table) -%}
    {%- set spec = numeric_fields_spec(system, table) -%}
    {%- set drifted = drifted_numeric_fields(system, table) -%}
    {%- for column in drifted %}
        ({{ column }}__v_text is null or {{ parsed_variant(column, spec.columns[column]) }} is not null)
        {{- " and" if not loop.last }}
    {%- else %} true
    {%- endfor %}
{%- endmacro %}

{#- DuckDB's cast that yields null instead of failing (dbt's default is a plain cast). -#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
