{#- The as-of date T of the run, from the required var `as_of` (YYYY-MM-DD). -#}
{% macro as_of_text() -%}
    {%- set value = var('as_of', none) -%}
    {%- if value is none or (value | string) | trim == '' -%}
        {{ exceptions.raise_compiler_error("var 'as_of' is required: dbt build --vars '{as_of: YYYY-MM-DD}'") }}
    {%- endif -%}
    {%- set text = value | string | trim -%}
    {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', text) -%}
        {{ exceptions.raise_compiler_error("var 'as_of' must be YYYY-MM-DD, got " ~ text) }}
    {%- endif -%}
    {{ return(text) }}
{%- endmacro %}

{% macro as_of_date() -%}
    cast('{{ as_of_text() }}' as date)
{%- endmacro %}

{#- T minus a number of years named by a policy parameter, as a date. -#}
{% macro years_before_as_of(years_parameter) -%}
    cast({{ dbt.dateadd('year', '-1 * ' ~ policy(years_parameter), as_of_date()) }} as date)
{%- endmacro %}

{#- True when `column` lies in the rolling window (T - <years_parameter> years, T]. -#}
{% macro is_within_years_of_as_of(column, years_parameter) -%}
    ({{ column }} > {{ years_before_as_of(years_parameter) }} and {{ column }} <= {{ as_of_date() }})
{%- endmacro %}

{#- A commerce list entry is in force at T when listed on or before T and not removed by T (FEEDS.md: an empty
    移出日期 is still in force). -#}
{% macro is_listed_at_as_of(listed_on='listed_on', removed_on='removed_on') -%}
    ({{ listed_on }} <= {{ as_of_date() }} and ({{ removed_on }} is null or {{ removed_on }} > {{ as_of_date() }}))
{%- endmacro %}
