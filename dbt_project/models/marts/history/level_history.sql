-- Every graded date's levels, kept across runs: incremental, unique on (uscc, as_of). A rerun of an as-of date
-- replaces that date's rows; other dates are kept, so level changes compare against earlier runs.
{{
    config(
        materialized='incremental',
        unique_key=['uscc', 'as_of'],
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        pre_hook="{{ delete_history_of_as_of() }}"
    )
}}
with

levels as (

    select * from {{ ref('fct_enterprise_levels') }}

),

final as (

    select
        uscc,
        as_of,
        level,
        reasons,
        is_provisional,
        ruleset_version
    from levels

)

select * from final
