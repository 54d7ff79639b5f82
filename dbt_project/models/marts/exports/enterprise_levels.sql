-- enterprise_levels.csv (internal): one row per graded enterprise, OUTPUTS.md columns in order + ruleset_version.
with

levels as (

    select * from {{ ref('fct_enterprise_levels') }}

),

final as (

    select
        uscc,
        name,
        region_code,
        as_of,
        level,
        is_provisional as provisional,
        reasons,
        signals,
        is_untrustworthy_elsewhere as untrustworthy_elsewhere,
        ruleset_version
    from levels

)

select * from final
