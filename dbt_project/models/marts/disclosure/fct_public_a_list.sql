-- The public A list (RULES.md Disclosure): level A at T, not untrustworthy per other agencies, with a voluntary
-- application applied on or before T and not withdrawn on or before T, approved by the province with
-- applied_on <= evaluated_on <= T and evaluated_on in the last year, and, where the enterprise had a
-- supervision test in Y3, approved by the testing unit. Public columns (plus ruleset_version, which
-- the public export view leaves out).
-- depends_on: {{ ref('grading_policy') }}
with

levels as (

    select * from {{ ref('fct_enterprise_levels') }}

),

applications as (

    select * from {{ ref('int_a_applications_as_of') }}

),

inspections as (

    select * from {{ ref('int_inspections_as_of') }}

),

supervision_tested_in_y3 as (

    select distinct uscc
    from inspections
    where kind = 'supervision_test' and is_within_y3

),

approved_applications as (

    select
        applications.uscc,
        applications.testing_unit_opinion
    from applications
    where applications.applied_on <= {{ as_of_date() }}
        and (applications.withdrawn_on is null or applications.withdrawn_on > {{ as_of_date() }})
        and applications.provincial_result = 'approved'
        and applications.evaluated_on >= applications.applied_on
        and {{ is_within_years_of_as_of('applications.evaluated_on', 'a_evaluation_window_years') }}

),

qualifying_applications as (

    select distinct approved_applications.uscc
    from approved_applications
    left join supervision_tested_in_y3 on approved_applications.uscc = supervision_tested_in_y3.uscc
    where supervision_tested_in_y3.uscc is null
        or approved_applications.testing_unit_opinion = 'approved'

),

final as (

    select
        levels.uscc,
        levels.name,
        levels.region_code,
        levels.level,
        levels.as_of,
        levels.ruleset_version
    from levels
    inner join qualifying_applications on levels.uscc = qualifying_applications.uscc
    where levels.level = 'A' and not levels.is_untrustworthy_elsewhere

)

select * from final
