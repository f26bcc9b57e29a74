{#-
    The one channel taxonomy (seed `channel_taxonomy`): a row of a model takes the channel,
    sub-channel and paid flag of the first rule (lowest rule_order) whose every non-empty key equals
    the row's value (`*` = any non-null value). Keys are compared lower-cased and trimmed.
    Use: `left join {{ ref('channel_taxonomy') }} as taxonomy on {{ channel_rule_matches('taxonomy', ...) }}`
    then `qualify {{ channel_rule_first('taxonomy', '<row key>') }}`.
-#}
{% macro channel_rule_matches(taxonomy, click_id, platform, campaign_type, utm_source, utm_medium) -%}
    {%- set keys = {'click_id': click_id, 'platform': platform, 'campaign_type': campaign_type,
                    'utm_source': utm_source, 'utm_medium': utm_medium} -%}
    {%- for column, value in keys.items() %}
    ({{ taxonomy }}.{{ column }} is null
        or ({{ taxonomy }}.{{ column }} = '*' and {{ value }} is not null)
        or {{ taxonomy }}.{{ column }} = lower(trim({{ value }}))){{ ' and' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- Keeps the first matching rule per row (`key`: an expression unique per row). -#}
{% macro channel_rule_first(taxonomy, key) -%}
    row_number() over (partition by {{ key }} order by {{ taxonomy }}.rule_order) = 1
{%- endmacro %}

{#- The click id a touch carries, as the taxonomy's `click_id` key. -#}
{% macro click_id_type(gclid, fbclid, li_fat_id) -%}
    case
        when {{ gclid }} is not null then 'gclid'
        when {{ fbclid }} is not null then 'fbclid'
        when {{ li_fat_id }} is not null then 'li_fat_id'
    end
{%- endmacro %}
