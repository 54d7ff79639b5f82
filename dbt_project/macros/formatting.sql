{#- Export formatting (ARCHITECTURE.md section 4). -#}

{#- A multiplier as text with one decimal: 0.5 -> '0.5', 2 -> '2.0'. -#}
{% macro multiplier_text(column) -%}
    cast(cast({{ column }} as decimal(4, 1)) as {{ dbt.type_string() }})
{%- endmacro %}

{#- `;`-joined sorted codes of a group, for use with group by. -#}
{% macro sorted_code_list(column) -%}
    {{ dbt.listagg(column, "';'", 'order by ' ~ column) }}
{%- endmacro %}
