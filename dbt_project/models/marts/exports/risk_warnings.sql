-- risk_warnings.csv (internal): one row per C-level enterprise + ruleset_version.
with

risk_warnings as (

    select * from {{ ref('fct_risk_warnings') }}

),

final as (

    select
        uscc,
        name,
        region_code,
        as_of,
        risk_score,
        action,
        reasons,
        signals,
        ruleset_version
    from risk_warnings

)

select * from final
