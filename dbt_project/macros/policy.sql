{#-
    Grading policy, read from the seeds (seeds/grading_policy.csv, seeds/grading_code_sets.csv) when a model
    compiles, so SQL names parameters and a province changes a number by editing the seed only.

    policy('weight_tax_d')          -> 20            (a numeric literal)
    policy_text('ruleset_version')  -> '2026.1'      (a quoted literal)
    code_set('d7_penalties')        -> ('licence_revoked', 'business_licence_revoked', 'referred_to_judiciary')

    Models that call these declare `-- depends_on: {{ ref('grading_policy') }}` (or the code-set seed), so the
    seed is loaded before they run.
-#}

{#- The seed's relation: from the graph, or (unit tests compile without a graph) the seeds schema. -#}
{% macro _seed_relation(seed_name) -%}
    {%- set nodes = graph.get('nodes', {}) if graph is mapping else graph.nodes -%}
    {%- for node in nodes.values() if node.resource_type == 'seed' and node.name == seed_name -%}
        {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)) }}
    {%- endfor -%}
    {{ return(api.Relation.create(database=target.database, schema=generate_schema_name('seeds', none),
                                  identifier=seed_name)) }}
{%- endmacro %}

{% macro _policy_value(parameter) -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        select value from {{ _seed_relation('grading_policy') }} where parameter = '{{ parameter }}'
    {%- endset -%}
    {%- set rows = run_query(query).rows -%}
    {%- if rows | length != 1 -%}
        {{ exceptions.raise_compiler_error("grading_policy has no single row for parameter " ~ parameter) }}
    {%- endif -%}
    {{ return(rows[0][0] | string) }}
{%- endmacro %}

{% macro policy(parameter) -%}
    {%- set value = _policy_value(parameter) -%}
    {%- if value is none -%}
        {{ return('0') }}
    {%- endif -%}
    {%- if not modules.re.fullmatch('-?[0-9]+(\\.[0-9]+)?', value) -%}
        {{ exceptions.raise_compiler_error("grading_policy " ~ parameter ~ " is not a number: " ~ value) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{% macro policy_text(parameter) -%}
    {%- set value = _policy_value(parameter) -%}
    {{ return("'" ~ ((value or '') | replace("'", "''")) ~ "'") }}
{%- endmacro %}

{% macro code_set(name) -%}
    {%- if not execute -%}
        {{ return("('')") }}
    {%- endif -%}
    {%- set query -%}
        select code from {{ _seed_relation('grading_code_sets') }} where code_set = '{{ name }}' order by code
    {%- endset -%}
    {%- set codes = run_query(query).columns[0].values() -%}
    {%- if codes | length == 0 -%}
        {{ exceptions.raise_compiler_error("grading_code_sets has no codes for " ~ name) }}
    {%- endif -%}
    {%- set quoted = [] -%}
    {%- for code in codes -%}
        {%- do quoted.append("'" ~ code ~ "'") -%}
    {%- endfor -%}
    {{ return('(' ~ quoted | join(', ') ~ ')') }}
{%- endmacro %}

{#- The cross-agency signal names, from the criteria seed (kind `signal`), sorted. -#}
{% macro signal_codes() -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        select code from {{ _seed_relation('criteria') }} where kind = 'signal' order by code
    {%- endset -%}
    {%- set codes = run_query(query).columns[0].values() -%}
    {%- if codes | length == 0 -%}
        {{ exceptions.raise_compiler_error("the criteria seed has no signal") }}
    {%- endif -%}
    {{ return(codes | list) }}
{%- endmacro %}
