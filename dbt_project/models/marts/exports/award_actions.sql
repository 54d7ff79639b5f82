-- award_actions.csv (internal): one row per award to act on + ruleset_version.
with

award_actions as (

    select * from {{ ref('fct_award_actions') }}

),

final as (

    select
        award_id,
        uscc,
        kind,
        action,
        ruleset_version
    from award_actions

)

select * from final
