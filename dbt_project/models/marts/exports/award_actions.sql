-- award_actions.csv (internal): one row per award to act on; name and region_code after the columns OUTPUTS.md
-- lists, then ruleset_version.
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
        name,
        region_code,
        ruleset_version
    from award_actions

)

select * from final
