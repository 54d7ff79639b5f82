{#-
    The columns every criteria and signals model returns: the enterprise, the code that holds (or the criterion
    that fails) and the delivered record behind it, as the point-in-time state at T holds it (so a corrected
    record cites the correcting delivery): its feed id (`agency/dataset`), record id, event date and lake stamps.

    evidence_columns('D.2', 'record_id', 'decided_on')                  -- from a point-in-time model's row
    evidence_columns('bank_npl', 'contract_id', 'report_date', code_column='signal')
-#}
{% macro evidence_columns(code, record_id, event_date='null', relation=none, code_column='code') -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
        {{ prefix }}uscc,
        '{{ code }}' as {{ code_column }},
        {{ prefix }}agency || '/' || {{ prefix }}dataset as dataset,
        cast({{ record_id }} as {{ dbt.type_string() }}) as record_id,
        cast({{ event_date }} as date) as event_date,
        {{ prefix }}source_file,
        {{ prefix }}source_line,
        {{ prefix }}delivery_id
{%- endmacro %}

{#- A hit that cites no record (a criterion failing for want of data, e.g. no production statistics): the feed
    it looked in and nothing else. -#}
{% macro evidence_columns_without_record(code, uscc, feed_id) -%}
        {{ uscc }} as uscc,
        '{{ code }}' as code,
        '{{ feed_id }}' as dataset,
        cast(null as {{ dbt.type_string() }}) as record_id,
        cast(null as date) as event_date,
        cast(null as {{ dbt.type_string() }}) as source_file,
        cast(null as integer) as source_line,
        cast(null as {{ dbt.type_string() }}) as delivery_id
{%- endmacro %}
