-- risk_score_breakdown.csv (internal): one row per part of a C-level enterprise's risk score (component reason,
-- repeat or signal; code empty for the repeat); a risk_warnings row's risk_score is the sum of its points.
with

risk_score_breakdown as (

    select * from {{ ref('fct_risk_score_breakdown') }}

),

final as (

    select
        uscc,
        name,
        region_code,
        as_of,
        component,
        code,
        points
    from risk_score_breakdown

)

select * from final
