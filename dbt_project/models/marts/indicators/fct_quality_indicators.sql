-- Quality indicators per graded enterprise at T (the quality dimension of the AQSIQ opinion): checks, violations,
-- accidents, complaints and the latest production statistics.
with

enterprises as (select * from {{ ref('int_graded_enterprises') }}),

inspections as (select * from {{ ref('int_inspections_as_of') }}),

violations as (select * from {{ ref('int_violations_as_of') }}),

accidents as (select * from {{ ref('int_accidents_as_of') }}),

complaints as (select * from {{ ref('int_complaints_as_of') }}),

latest_production_stats as (select * from {{ ref('int_production_stats_latest') }}),

inspection_counts as (

    select
        uscc,
        sum(case when kind = 'quality_spot_check' and is_failed and is_within_y1 then 1 else 0 end)
            as failed_quality_spot_checks_y1,
        sum(case when is_spot_or_supervision_check and is_failed and is_within_y3 then 1 else 0 end)
            as failed_spot_or_supervision_checks_y3,
        sum(case when kind = 'supervision_test' and result <> 'pass' and is_within_y1 then 1 else 0 end)
            as failed_or_evaded_supervision_tests_y1
    from inspections
    group by uscc

),

violation_counts as (

    select
        uscc,
        sum(case when is_within_y1 then 1 else 0 end) as violations_y1,
        sum(case when is_within_y3 then 1 else 0 end) as violations_y3
    from violations
    group by uscc

),

accident_counts as (

    select uscc, count(*) as accidents_y1
    from accidents
    where is_within_y1
    group by uscc

),

complaint_counts as (

    select
        uscc,
        count(*) as liable_complaints_y1,
        sum(case when is_not_resolved_in_time then 1 else 0 end) as liable_complaints_not_resolved_in_time_y1
    from complaints
    where enterprise_liable and is_within_y1
    group by uscc

),

final as (

    select
        enterprises.uscc,
        coalesce(inspection_counts.failed_quality_spot_checks_y1, 0) as failed_quality_spot_checks_y1,
        coalesce(inspection_counts.failed_spot_or_supervision_checks_y3, 0) as failed_spot_or_supervision_checks_y3,
        coalesce(inspection_counts.failed_or_evaded_supervision_tests_y1, 0) as failed_or_evaded_supervision_tests_y1,
        coalesce(violation_counts.violations_y1, 0) as violations_y1,
        coalesce(violation_counts.violations_y3, 0) as violations_y3,
        coalesce(accident_counts.accidents_y1, 0) as accidents_y1,
        coalesce(complaint_counts.liable_complaints_y1, 0) as liable_complaints_y1,
        coalesce(complaint_counts.liable_complaints_not_resolved_in_time_y1, 0)
            as liable_complaints_not_resolved_in_time_y1,
        latest_production_stats.year as production_stats_year,
        latest_production_stats.factory_pass_rate,
        latest_production_stats.supervision_test_pass_rate
    from enterprises
    left join inspection_counts on enterprises.uscc = inspection_counts.uscc
    left join violation_counts on enterprises.uscc = violation_counts.uscc
    left join accident_counts on enterprises.uscc = accident_counts.uscc
    left join complaint_counts on enterprises.uscc = complaint_counts.uscc
    left join latest_production_stats on enterprises.uscc = latest_production_stats.uscc

)

select * from final
