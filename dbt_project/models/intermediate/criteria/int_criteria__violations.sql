-- Criteria read from administrative penalty decisions at T: one row per violation that makes a D or C code
-- hold, or an A or B criterion fail.
-- depends_on: {{ ref('grading_code_sets') }}
with

violations as (

    select * from {{ ref('int_violations_as_of') }}

),

d1_unlicensed as (

    select {{ evidence_columns('D.1', 'record_id', 'decided_on') }}
    from violations
    where category = 'unlicensed' and is_within_y1

),

d2_counterfeit as (

    select {{ evidence_columns('D.2', 'record_id', 'decided_on') }}
    from violations
    where category = 'counterfeit' and is_within_y1

),

d5_severe_false_advertising as (

    select {{ evidence_columns('D.5', 'record_id', 'decided_on') }}
    from violations
    where category = 'false_advertising' and harm = 'severe' and is_within_y1

),

d6_no_standard as (

    select {{ evidence_columns('D.6', 'record_id', 'decided_on') }}
    from violations
    where category = 'no_standard' and is_within_y1

),

d7_revocation_penalty as (

    select {{ evidence_columns('D.7', 'record_id', 'decided_on') }}
    from violations
    where has_d7_penalty and is_within_y1

),

d8_service_refusal as (

    select {{ evidence_columns('D.8', 'record_id', 'decided_on') }}
    from violations
    where category = 'service_refusal' and is_within_y1

),

-- a severe-harm violation that D.1, D.2, D.5, D.6, D.7 and D.8 leave unmatched
dh_other_severe as (

    select {{ evidence_columns('D.H', 'record_id', 'decided_on') }}
    from violations
    where harm = 'severe'
        and category not in {{ code_set('d_rule_violation_categories') }}
        and not has_d7_penalty
        and is_within_y1

),

c4_below_standard as (

    select {{ evidence_columns('C.4', 'record_id', 'decided_on') }}
    from violations
    where category = 'below_standard' and is_within_y1

),

-- harm `major` falls in the gap between "no relatively large harm" and "major harm": graded C.5
c5_false_advertising as (

    select {{ evidence_columns('C.5', 'record_id', 'decided_on') }}
    from violations
    where category = 'false_advertising' and harm <> 'severe' and is_within_y1

),

-- any other quality/metrology breach: a violation no rule above matches
ch_other as (

    select {{ evidence_columns('C.H', 'record_id', 'decided_on') }}
    from violations
    where category in {{ code_set('c_harm_categories') }}
        and harm <> 'severe'
        and not has_d7_penalty
        and is_within_y1

),

a1_violation_in_y3 as (

    select {{ evidence_columns('A.1', 'record_id', 'decided_on') }}
    from violations
    where is_within_y3

),

a2_standard_violation_in_y3 as (

    select {{ evidence_columns('A.2', 'record_id', 'decided_on') }}
    from violations
    where category in ('below_standard', 'no_standard') and is_within_y3

),

a4_false_advertising_in_y3 as (

    select {{ evidence_columns('A.4', 'record_id', 'decided_on') }}
    from violations
    where category = 'false_advertising' and is_within_y3

),

b1_violation_in_y1 as (

    select {{ evidence_columns('B.1', 'record_id', 'decided_on') }}
    from violations
    where is_within_y1

)

select * from d1_unlicensed
union all select * from d2_counterfeit
union all select * from d5_severe_false_advertising
union all select * from d6_no_standard
union all select * from d7_revocation_penalty
union all select * from d8_service_refusal
union all select * from dh_other_severe
union all select * from c4_below_standard
union all select * from c5_false_advertising
union all select * from ch_other
union all select * from a1_violation_in_y3
union all select * from a2_standard_violation_in_y3
union all select * from a4_false_advertising_in_y3
union all select * from b1_violation_in_y1
