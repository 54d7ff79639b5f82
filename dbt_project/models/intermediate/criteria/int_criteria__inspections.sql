-- Criteria read from inspections at T (spot, supervision checks and supervision tests): one row per
-- inspection that makes a D or C code hold, or an A or B criterion fail.
with

inspections as (

    select * from {{ ref('int_inspections_as_of') }}

),

-- two adjacent failures: spot checks of Y1 in order of inspected_on, then record_id
spot_checks_in_y1_in_order as (

    select
        *,
        lag(is_failed) over (partition by uscc order by inspected_on, record_id) as is_previous_failed,
        lead(is_failed) over (partition by uscc order by inspected_on, record_id) as is_next_failed
    from inspections
    where is_spot_check and is_within_y1

),

-- both failures of every adjacent pair are cited
d4_adjacent_failed_spot_checks as (

    select {{ evidence_columns('D.4', 'record_id', 'inspected_on') }}
    from spot_checks_in_y1_in_order
    where is_failed and (is_previous_failed or is_next_failed)

),

d4_serious_supervision_test_failure as (

    select {{ evidence_columns('D.4', 'record_id', 'inspected_on') }}
    from inspections
    where kind = 'supervision_test' and result = 'fail' and severity = 'serious' and is_within_y1

),

d4_evaded_supervision_test as (

    select {{ evidence_columns('D.4', 'record_id', 'inspected_on') }}
    from inspections
    where kind = 'supervision_test' and result = 'not_tested' and is_within_y1

),

c2_failed_check as (

    select {{ evidence_columns('C.2', 'record_id', 'inspected_on') }}
    from inspections
    where is_spot_or_supervision_check and is_failed and is_within_y1

),

c3_failed_supervision_test as (

    select {{ evidence_columns('C.3', 'record_id', 'inspected_on') }}
    from inspections
    where kind = 'supervision_test' and is_failed and is_within_y1

),

a1_failed_check_in_y3 as (

    select {{ evidence_columns('A.1', 'record_id', 'inspected_on') }}
    from inspections
    where is_spot_or_supervision_check and is_failed and is_within_y3

),

b1_failed_check_in_y1 as (

    select {{ evidence_columns('B.1', 'record_id', 'inspected_on') }}
    from inspections
    where is_spot_or_supervision_check and is_failed and is_within_y1

)

select * from d4_adjacent_failed_spot_checks
union all select * from d4_serious_supervision_test_failure
union all select * from d4_evaded_supervision_test
union all select * from c2_failed_check
union all select * from c3_failed_supervision_test
union all select * from a1_failed_check_in_y3
union all select * from b1_failed_check_in_y1
