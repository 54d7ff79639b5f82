-- Risk warnings for C-level enterprises (RULES.md 预警 / 黄牌警告): points per C code, a repeat in the prior year
-- (a failed spot/supervision check, a violation or an accident in (T - 2 years, T - 1 year]) and cross-agency
-- signals; the action follows the score thresholds. Weights and thresholds come from the policy seed.
-- depends_on: {{ ref('grading_policy') }}
with

levels as (

    select * from {{ ref('fct_enterprise_levels') }}

),

criterion_hits as (

    select * from {{ ref('int_criterion_hits') }}

),

signals as (

    select * from {{ ref('fct_cross_agency_signals') }}

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

    select * from levels where level = 'C'

),

c_codes_per_enterprise as (

    select
        uscc,
        count(distinct code) as c_code_count
    from criterion_hits
    where reason_group = 'C'
    group by uscc

),

prior_year_records as (

    select uscc from inspections
    where is_spot_or_supervision_check and is_failed and is_within_prior_year
    union all
    select uscc from violations where is_within_prior_year
    union all
    select uscc from accidents where is_within_prior_year

),

repeat_offenders as (

    select distinct uscc from prior_year_records

),

scored as (

    select
        c_level.uscc,
        c_level.name,
        c_level.region_code,
        c_level.as_of,
        c_level.reasons,
        c_level.signals,
        c_level.ruleset_version,
        coalesce(c_codes_per_enterprise.c_code_count, 0) * {{ policy('weight_per_c_code') }}
        + case when repeat_offenders.uscc is not null then {{ policy('weight_repeat') }} else 0 end
        + case when signals.has_bank_npl then {{ policy('weight_bank_npl') }} else 0 end
        + case when signals.has_bank_watch then {{ policy('weight_bank_watch') }} else 0 end
        + case when signals.has_tax_d then {{ policy('weight_tax_d') }} else 0 end
        + case when signals.has_tax_c then {{ policy('weight_tax_c') }} else 0 end
        + case when signals.has_commerce_abnormal then {{ policy('weight_commerce_abnormal') }} else 0 end
        + case when signals.has_commerce_serious then {{ policy('weight_commerce_serious') }} else 0 end
        + case when signals.has_customs_untrusted then {{ policy('weight_customs_untrusted') }} else 0 end
            as risk_score,
        repeat_offenders.uscc is not null as has_prior_year_repeat
    from c_level
    left join c_codes_per_enterprise on c_level.uscc = c_codes_per_enterprise.uscc
    left join repeat_offenders on c_level.uscc = repeat_offenders.uscc
    inner join signals on c_level.uscc = signals.uscc

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
