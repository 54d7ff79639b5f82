-- level_changes.csv (internal): enterprises whose level differs from the previous graded date in history.
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
        ruleset_version
    from level_changes

)

select * from final
