-- Metrology indicators per graded enterprise at T: metrology spot checks, violations and complaints.
with

enterprises as (select * from {{ ref('int_graded_enterprises') }}),

inspections as (select * from {{ ref('int_inspections_as_of') }}),

violations as (select * from {{ ref('int_violations_as_of') }}),

complaints as (select * from {{ ref('int_complaints_as_of') }}),

check_counts as (

    select
        uscc,
        sum(case when is_within_y1 then 1 else 0 end) as metrology_spot_checks_y1,
        sum(case when is_failed and is_within_y1 then 1 else 0 end) as failed_metrology_spot_checks_y1
    from inspections
    where kind = 'metrology_spot_check'
    group by uscc

),

violation_counts as (

    select uscc, count(*) as metrology_violations_y1
    from violations
    where category = 'metrology' and is_within_y1
    group by uscc

),

complaint_counts as (

    select uscc, count(*) as liable_metrology_complaints_y1
    from complaints
    where kind = 'metrology_complaint' and enterprise_liable and is_within_y1
    group by uscc

),

final as (

    select
        enterprises.uscc,
        coalesce(check_counts.metrology_spot_checks_y1, 0) as metrology_spot_checks_y1,
        coalesce(check_counts.failed_metrology_spot_checks_y1, 0) as failed_metrology_spot_checks_y1,
        coalesce(violation_counts.metrology_violations_y1, 0) as metrology_violations_y1,
        coalesce(complaint_counts.liable_metrology_complaints_y1, 0) as liable_metrology_complaints_y1
    from enterprises
    left join check_counts on enterprises.uscc = check_counts.uscc
    left join violation_counts on enterprises.uscc = violation_counts.uscc
    left join complaint_counts on enterprises.uscc = complaint_counts.uscc

)

select * from final
