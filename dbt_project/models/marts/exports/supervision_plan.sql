-- supervision_plan.csv (internal): one row per graded enterprise; the multiplier as text with one decimal; name
-- and region_code after the columns OUTPUTS.md lists, then ruleset_version.
with

supervision_plan as (

    select * from {{ ref('fct_supervision_plan') }}

),

final as (

    select
        uscc,
        level,
        {{ multiplier_text('inspection_multiplier') }} as inspection_multiplier,
        is_key_supervision as key_supervision,
        measures,
        name,
        region_code,
        ruleset_version
    from supervision_plan

)

select * from final
