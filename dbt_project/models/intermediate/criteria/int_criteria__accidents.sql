-- Criteria read from quality accidents at T: a major or severe one is D.H, a general one C.6, any one in Y1
-- fails A.5.
-- depends_on: {{ ref('grading_code_sets') }}
with

accidents as (

    select * from {{ ref('int_accidents_as_of') }}

),

dh_major_accident as (

    select {{ evidence_columns('D.H', 'record_id', 'occurred_on') }}
    from accidents
    where severity in {{ code_set('d_major_accident_severities') }} and is_within_y1

),

c6_general_accident as (

    select {{ evidence_columns('C.6', 'record_id', 'occurred_on') }}
    from accidents
    where severity = 'general' and is_within_y1

),

a5_accident_in_y1 as (

    select {{ evidence_columns('A.5', 'record_id', 'occurred_on') }}
    from accidents
    where is_within_y1

)

select * from dh_major_accident
union all select * from c6_general_accident
union all select * from a5_accident_in_y1
