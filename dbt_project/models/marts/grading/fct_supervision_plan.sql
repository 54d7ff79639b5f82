-- The supervision plan (RULES.md 分类监管): inspection multiplier, key supervision and measures per graded
-- enterprise. An enterprise untrustworthy per other agencies is under key supervision with a multiplier of at
-- least the policy minimum whatever its level, and loses the A-level benefits.
-- depends_on: {{ ref('grading_policy') }}
with

levels as (

    select * from {{ ref('fct_enterprise_levels') }}

),

level_multipliers as (

    select
        uscc,
        case level
            when 'A' then {{ policy('multiplier_a') }}
            when 'B' then {{ policy('multiplier_b') }}
            when 'C' then {{ policy('multiplier_c') }}
            when 'D' then {{ policy('multiplier_d') }}
        end as level_multiplier
    from levels

),

measure_rows as (

    select uscc, 'onsite_check_waived' as measure from levels
    where level = 'A' and not is_untrustworthy_elsewhere
    union all
    select uscc, 'award_priority' from levels
    where level = 'A' and not is_untrustworthy_elsewhere
    union all
    select uscc, 'export_green_channel' from levels
    where level = 'A' and is_exporter and not is_untrustworthy_elsewhere
    union all
    select uscc, 'assistance' from levels where level = 'B'
    union all
    select uscc, 'export_strict_review' from levels where level = 'C' and is_exporter
    union all
    select uscc, 'awards_suspended' from levels where level = 'C'
    union all
    select uscc, 'blacklist' from levels where level = 'D'
    union all
    select uscc, 'awards_revoked' from levels where level = 'D'
    union all
    select uscc, 'report_to_government' from levels where level = 'D'
    union all
    select uscc, 'key_supervision_other_agencies' from levels where is_untrustworthy_elsewhere

),

measures_per_enterprise as (

    select
        uscc,
        {{ sorted_code_list('measure') }} as measures
    from measure_rows
    group by uscc

),

final as (

    select
        levels.uscc,
        levels.level,
        case
            when levels.is_untrustworthy_elsewhere
                and level_multipliers.level_multiplier < {{ policy('multiplier_untrusted_elsewhere_min') }}
                then {{ policy('multiplier_untrusted_elsewhere_min') }}
            else level_multipliers.level_multiplier
        end as inspection_multiplier,
        levels.level in ('C', 'D') or levels.is_untrustworthy_elsewhere as is_key_supervision,
        coalesce(measures_per_enterprise.measures, '') as measures,
        levels.name,
        levels.region_code,
        levels.ruleset_version
    from levels
    inner join level_multipliers on levels.uscc = level_multipliers.uscc
    left join measures_per_enterprise on levels.uscc = measures_per_enterprise.uscc

)

select * from final
