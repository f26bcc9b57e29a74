{#-
    Values of numeric vendor fields (var numeric_fields) that a vendor retyped and that do not
    parse as the field's type: the rows their staging model leaves out, each with the reason.
    Counted by the `rejected_values` health check. Empty while no field has drifted.
-#}
{%- set found = [] -%}
{%- for name, spec in var('numeric_fields').items() -%}
    {%- set system, table = name.split('.') -%}
    {%- if var(system ~ '_enabled', true) -%}
        {%- set relation = source(system, table) -%}
        {%- for column in drifted_numeric_fields(system, table) -%}
            {%- do found.append({'system': system, 'table': table, 'relation': relation,
                                 'column': column, 'type': spec.columns[column], 'key': spec.key}) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endfor -%}

with rejected as (
{%- for item in found %}
    select
        '{{ item.system }}' as system,
        '{{ item.table }}' as source_table,
        concat_ws('|', {% for k in item.key %}cast({{ k }} as varchar){{ ", " if not loop.last }}{% endfor %}) as record_key,
        '{{ item.column }}' as column_name,
        {{ item.column }}__v_text as value,
        '"' || {{ item.column }}__v_text || '" is not a {{ item.type }}' as reason,
        _dlt_load_id as load_id
    from {{ item.relation }}
    where {{ item.column }}__v_text is not null
        and {{ parsed_variant(item.column, item.type) }} is null
    {{ "union all" if not loop.last }}
{%- else %}
    select
        cast(null as varchar) as system,
        cast(null as varchar) as source_table,
        cast(null as varchar) as record_key,
        cast(null as varchar) as column_name,
        cast(null as varchar) as value,
        cast(null as varchar) as reason,
        cast(null as varchar) as load_id
    where false
{%- endfor %}
)

select * from rejected
