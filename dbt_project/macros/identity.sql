{#-
    Identity resolution through int_enterprise_identifiers (USCC <-> legacy tax no <-> customs code).

    The key an identifier matches on: a legacy tax registration number (6-digit division code + 9-character
    organization code) matches USCC positions 9-17; the other kinds match as they are.
-#}
{% macro identifier_match_key(identifier_column, kind_column) -%}
    case
        when {{ kind_column }} = 'legacy_tax_no' then substring({{ identifier_column }}, 7, 9)
        else {{ identifier_column }}
    end
{%- endmacro %}

{#- The identifier kinds a lake table may carry, from its generated source declaration (meta.identifier_kinds);
    unknown (unit tests compile without a graph) means any kind. -#}
{% macro source_identifier_kinds(source_name, table_name) -%}
    {%- set sources = graph.get('sources', {}) if graph is mapping else graph.sources -%}
    {%- for node in sources.values() if node.source_name == source_name and node.name == table_name -%}
        {{ return(node.meta.get('identifier_kinds', [])) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

{#- Rows of `rows_cte` with `uscc`: as landed, else resolved at T through the crosswalk (the reference may
    have arrived after the row landed). A table whose identifiers are USCCs only lands every valid row
    resolved, so it skips the join. -#}
{% macro select_with_resolved_uscc(rows_cte, source_name, table_name) -%}
    {%- set kinds = source_identifier_kinds(source_name, table_name) -%}
    {%- if kinds is not none and kinds | reject('equalto', 'uscc') | list | length == 0 -%}
    select
        {{ rows_cte }}.*,
        {{ rows_cte }}.landed_uscc as uscc
    from {{ rows_cte }}
    {%- else -%}
    {#- Only the few rows landed unresolved go through the join: joined whole, the rows (wider and often more
        than the crosswalk) became the join's build side. Reading rows_cte twice makes DuckDB materialize it once. -#}
    select
        {{ rows_cte }}.*,
        {{ rows_cte }}.landed_uscc as uscc
    from {{ rows_cte }}
    where {{ rows_cte }}.landed_uscc is not null
    union all
    select
        {{ rows_cte }}.*,
        enterprise_identifiers.uscc
    from {{ rows_cte }}
    left join {{ ref('int_enterprise_identifiers') }} as enterprise_identifiers
        on enterprise_identifiers.identifier_kind = {{ rows_cte }}.identifier_kind
        and enterprise_identifiers.match_key
            = {{ identifier_match_key(rows_cte ~ '.identifier', rows_cte ~ '.identifier_kind') }}
    where {{ rows_cte }}.landed_uscc is null
    {%- endif -%}
{%- endmacro %}

{#- The window flags every rule reads, computed once per event row. -#}
{% macro window_flags(date_column) -%}
        {{ is_within_years_of_as_of(date_column, 'y1_years') }} as is_within_y1,
        {{ is_within_years_of_as_of(date_column, 'y3_years') }} as is_within_y3,
        ({{ date_column }} > {{ years_before_as_of('prior_year_start_years') }}
            and {{ date_column }} <= {{ years_before_as_of('prior_year_end_years') }}) as is_within_prior_year
{%- endmacro %}
