-- Risk warnings for C-level enterprises (RULES.md 预警 / 黄牌警告): the risk score is the sum of the parts in
-- fct_risk_score_breakdown (points per C code, a prior-year repeat, cross-agency signals); the action follows
-- the score thresholds of the policy seed.
-- depends_on: {{ ref('grading_policy') }}
with

levels as (

    select * from {{ ref('fct_enterprise_levels') }}

),

risk_score_breakdown as (

    select * from {{ ref('fct_risk_score_breakdown') }}

),

c_level as (

    select * from levels where level = 'C'

),

score_per_enterprise as (

    select
        uscc,
        sum(points) as risk_score,
        bool_or(component = 'repeat') as has_prior_year_repeat
    from risk_score_breakdown
    group by uscc

),

scored as (

    select
        c_level.*,
        coalesce(score_per_enterprise.risk_score, 0) as risk_score,
        coalesce(score_per_enterprise.has_prior_year_repeat, false) as has_prior_year_repeat
    from c_level
    left join score_per_enterprise on c_level.uscc = score_per_enterprise.uscc

),

final as (

    select
        uscc,
        name,
        region_code,
        as_of,
        cast(risk_score as integer) as risk_score,
        case
            when risk_score >= {{ policy('yellow_card_min_score') }} then 'yellow_card'
            when risk_score >= {{ policy('warning_min_score') }} then 'warning'
            else 'none'
        end as action,
        reasons,
        signals,
        has_prior_year_repeat,
        ruleset_version
    from scored

)

select * from final
