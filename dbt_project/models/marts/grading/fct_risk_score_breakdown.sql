-- The parts of every C-level enterprise's risk score (RULES.md 预警 / 黄牌警告), one row per part: each C code
-- that holds (component `reason`), a repeat in the prior year (`repeat`: a failed spot/supervision check, a
-- violation or an accident in (T - 2 years, T - 1 year]; no code) and each cross-agency signal (`signal`).
-- fct_risk_warnings sums the points. Weights come from the policy seed: `weight_<signal>` per signal.
-- depends_on: {{ ref('grading_policy') }}
-- depends_on: {{ ref('criteria') }}
with

levels as (

    select * from {{ ref('fct_enterprise_levels') }}

),

criterion_hits as (

    select * from {{ ref('int_criterion_hits') }}

),

signals as (

    select * from {{ ref('int_enterprise_signals') }}

),

inspections as (

    select * from {{ ref('int_inspections_as_of') }}

),

violations as (

    select * from {{ ref('int_violations_as_of') }}

),

accidents as (

    select * from {{ ref('int_accidents_as_of') }}

),

c_level as (

    select uscc from levels where level = 'C'

),

reason_points as (

    select distinct
        uscc,
        'reason' as component,
        code,
        {{ policy('weight_per_c_code') }} as points
    from criterion_hits
    where reason_group = 'C'

),

prior_year_records as (

    select uscc from inspections
    where is_spot_or_supervision_check and is_failed and is_within_prior_year
    union all
    select uscc from violations where is_within_prior_year
    union all
    select uscc from accidents where is_within_prior_year

),

repeat_points as (

    select distinct
        uscc,
        'repeat' as component,
        cast(null as {{ dbt.type_string() }}) as code,
        {{ policy('weight_repeat') }} as points
    from prior_year_records

),

signal_points as (

    select distinct
        uscc,
        'signal' as component,
        signal as code,
        case signal
            {%- for signal in signal_codes() %}
            when '{{ signal }}' then {{ policy('weight_' ~ signal) }}
            {%- endfor %}
        end as points
    from signals

),

parts as (

    select * from reason_points
    union all
    select * from repeat_points
    union all
    select * from signal_points

),

final as (

    select
        levels.uscc,
        levels.name,
        levels.region_code,
        levels.as_of,
        parts.component,
        parts.code,
        cast(parts.points as integer) as points,
        levels.ruleset_version
    from parts
    inner join c_level on parts.uscc = c_level.uscc
    inner join levels on parts.uscc = levels.uscc

)

select * from final
