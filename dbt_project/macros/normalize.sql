{#- Normalisation rules shared by the staging models (documented in models/docs/customers_docs.md). -#}

{#- Trimmed, lower-cased text; blank becomes null. -#}
{% macro clean_lower(column) -%}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}

{#- Trimmed text; blank becomes null. -#}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{#- An e-mail address trimmed and lower-cased; null when blank or without an "@". -#}
{% macro email_normalized(column) -%}
    case when {{ dbt.position("'@'", clean_lower(column)) }} > 1 then {{ clean_lower(column) }} end
{%- endmacro %}

{#-
    The key e-mails are matched on (never shown): the normalised address, and for gmail.com /
    googlemail.com mailboxes the local part without dots and without a "+tag", on gmail.com.
-#}
{% macro email_match_key(column) -%}
    {%- set email = email_normalized(column) -%}
    {%- set local_part = dbt.split_part(email, "'@'", 1) -%}
    {%- set domain = dbt.split_part(email, "'@'", 2) -%}
    case
        when {{ domain }} in ('gmail.com', 'googlemail.com')
            then {{ dbt.replace(dbt.split_part(local_part, "'+'", 1), "'.'", "''") }} || '@gmail.com'
        else {{ email }}
    end
{%- endmacro %}

{#- The domain of a normalised e-mail address. -#}
{% macro email_domain(column) -%}
    {{ dbt.split_part(email_normalized(column), "'@'", 2) }}
{%- endmacro %}

{#- E.164 ("+14195552567") from an international number with separators; null when the number has
    no leading "+" (its country code would be a guess). -#}
{% macro phone_e164(column) -%}
    case
        when trim({{ column }}) like '+%'
            then '+' || regexp_replace(trim({{ column }}), '[^0-9]', '', 'g')
    end
{%- endmacro %}

{#- A web address or bare domain reduced to its host without "www." (Salesforce Website → domain). -#}
{% macro website_domain(column) -%}
    nullif(
        regexp_replace(lower(trim({{ column }})), '^(https?://)?(www\.)?([^/?#]+).*$', '\3'),
        ''
    )
{%- endmacro %}

{#- An industry label comparable across systems: lower-case words, "_" and "&" as spaces
    (HubSpot "HOSPITAL_HEALTH_CARE" and Salesforce "Hospital & Health Care" → "hospital health care"). -#}
{% macro industry_key(column) -%}
    nullif(trim(regexp_replace(replace(replace(lower({{ column }}), '_', ' '), '&', ' '), '\s+', ' ', 'g')), '')
{%- endmacro %}
