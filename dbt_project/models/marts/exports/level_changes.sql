-- level_changes.csv (internal): enterprises whose level differs from the previous graded date in history; name and
-- region_code after the columns OUTPUTS.md lists, then ruleset_version.
with

level_changes as (

    select * from {{ ref('fct_level_changes') }}

),

final as (

    select
        uscc,
        previous_as_of,
        previous_level,
        level,
        name,
        region_code,
        ruleset_version
    from level_changes

)

select * from final
