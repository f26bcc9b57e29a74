{#-
    Settings of identity resolution and lead scoring, each overridable with `--vars` (or in
    dbt_project.yml) under the same name; the defaults live here, in one place.
      identity_max_iterations              label-propagation rounds (each spans two record hops)
      identity_max_names_per_identifier    more distinct full names than this on one identifier = shared
      identity_max_records_per_identifier  more records than this on one identifier = shared
      scoring_date                         score as of this date (only activity on or before it counts);
                                           default: the day of the latest activity in the data
      score_model_version                  label stamped on every score row
-#}
{% macro customer_setting(name) -%}
    {%- set defaults = {
        'identity_max_iterations': 12,
        'identity_max_names_per_identifier': 1,
        'identity_max_records_per_identifier': 200,
        'scoring_date': none,
        'score_model_version': 'rules-v1',
    } -%}
    {%- if name not in defaults -%}
        {{ exceptions.raise_compiler_error("unknown customer setting '" ~ name ~ "'") }}
    {%- endif -%}
    {{- return(var(name, defaults[name])) -}}
{%- endmacro %}
