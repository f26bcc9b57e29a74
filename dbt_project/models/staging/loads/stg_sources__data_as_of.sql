{#-
    How current each enabled system's raw data is: the newest moment its tables cover, read from
    the "as of" column of each table (var `as_of_columns`, from the vendor descriptors, as the
    `freshness` health check reads them). A DATE column covers its whole day. UTC.
-#}
{%- set found = [] -%}
{%- for system, tables in var('as_of_columns', {}).items() if var(system ~ '_enabled', true) -%}
    {%- for table, column in tables.items() -%}
        {%- set relation = source(system, table) -%}
        {%- if execute -%}
            {%- for col in adapter.get_columns_in_relation(relation) if col.name | lower == column -%}
                {%- do found.append({'system': system, 'relation': relation, 'column': column,
                                     'is_date': col.dtype | lower == 'date'}) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
{%- endfor -%}

with covered as (
{%- for item in found %}
    select
        '{{ item.system }}' as system,
        {% if item.is_date -%}
        cast(max({{ item.column }}) as timestamp) + interval 1 day
        {%- else -%}
        max({{ item.column }}) at time zone 'UTC'
        {%- endif %} as covered_through
    from {{ item.relation }}
    {{ "union all" if not loop.last }}
{%- else %}
    select cast(null as varchar) as system, cast(null as timestamp) as covered_through where false
{%- endfor %}
)

select system, max(covered_through) as data_as_of
from covered
group by system
