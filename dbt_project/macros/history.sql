{#- Pre-hook of level_history: a rerun of an as-of date replaces that date's rows (none stale, none doubled). -#}
{% macro delete_history_of_as_of() -%}
    {%- if execute and is_incremental() -%}
        delete from {{ this }} where as_of = {{ as_of_date() }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
