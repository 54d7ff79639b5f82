-- Criteria as rows: one CTE per RULES.md rule, each emitting (uscc, code, reason_group, evidence_dataset,
-- evidence_id). reason_group is where a hit pushes the level: 'D' or 'C' for a D/C code that holds, 'B' for an
-- A or B code that fails. Every hit names the record behind it, so a level traces back to source rows.
-- depends_on: {{ ref('grading_policy') }}
-- depends_on: {{ ref('grading_code_sets') }}
with

enterprises as (

    select * from {{ ref('int_graded_enterprises') }}

),

inspections as (

    select * from {{ ref('int_inspections_as_of') }}

),

violations as (

    select * from {{ ref('int_violations_as_of') }}

),

complaints as (

    select * from {{ ref('int_complaints_as_of') }}

),

accidents as (

    select * from {{ ref('int_accidents_as_of') }}

),

export_inspections as (

    select * from {{ ref('int_export_inspections_as_of') }}

),

licences as (

    select * from {{ ref('int_licences_as_of') }}

),

standards as (

    select * from {{ ref('int_standards_as_of') }}

),

latest_production_stats as (

    select * from {{ ref('int_production_stats_latest') }}

),

exporters as (

    select uscc from enterprises where is_exporter

),

-- D: seriously untrustworthy -------------------------------------------------------------------------------

d1_revoked_registration as (

    select uscc, 'D.1' as code, 'D' as reason_group,
        'commerce/registry' as evidence_dataset, uscc as evidence_id
    from enterprises
    where registration_status = 'revoked'

),

d1_unlicensed_violation as (

    select uscc, 'D.1' as code, 'D' as reason_group,
        'quality/violations' as evidence_dataset, record_id as evidence_id
    from violations
    where category = 'unlicensed' and is_within_y1

),

d1_lapsed_licence as (

    select uscc, 'D.1' as code, 'D' as reason_group,
        'quality/licences' as evidence_dataset, licence_no as evidence_id
    from licences
    where status = 'valid' and expires_on < {{ as_of_date() }}

),

d2_counterfeit_violation as (

    select uscc, 'D.2' as code, 'D' as reason_group,
        'quality/violations' as evidence_dataset, record_id as evidence_id
    from violations
    where category = 'counterfeit' and is_within_y1

),

d3_rectification_overdue as (

    select uscc, 'D.3' as code, 'D' as reason_group,
        'quality/licences' as evidence_dataset, licence_no as evidence_id
    from licences
    where status = 'rectifying' and rectify_deadline < {{ as_of_date() }}

),

spot_checks_in_y1_in_order as (

    select
        uscc,
        record_id,
        is_failed,
        lag(is_failed) over (partition by uscc order by inspected_on, record_id) as is_previous_failed
    from inspections
    where is_spot_check and is_within_y1

),

d4_adjacent_failed_spot_checks as (

    select uscc, 'D.4' as code, 'D' as reason_group,
        'quality/inspections' as evidence_dataset, record_id as evidence_id
    from spot_checks_in_y1_in_order
    where is_failed and is_previous_failed

),

d4_serious_supervision_test_failure as (

    select uscc, 'D.4' as code, 'D' as reason_group,
        'quality/inspections' as evidence_dataset, record_id as evidence_id
    from inspections
    where kind = 'supervision_test' and result = 'fail' and severity = 'serious' and is_within_y1

),

d4_evaded_supervision_test as (

    select uscc, 'D.4' as code, 'D' as reason_group,
        'quality/inspections' as evidence_dataset, record_id as evidence_id
    from inspections
    where kind = 'supervision_test' and result = 'not_tested' and is_within_y1

),

d5_severe_false_advertising as (

    select uscc, 'D.5' as code, 'D' as reason_group,
        'quality/violations' as evidence_dataset, record_id as evidence_id
    from violations
    where category = 'false_advertising' and harm = 'severe' and is_within_y1

),

d6_no_standard_conformance as (

    select uscc, 'D.6' as code, 'D' as reason_group,
        'quality/standards' as evidence_dataset, product as evidence_id
    from standards
    where conformance = 'none'

),

d6_no_standard_violation as (

    select uscc, 'D.6' as code, 'D' as reason_group,
        'quality/violations' as evidence_dataset, record_id as evidence_id
    from violations
    where category = 'no_standard' and is_within_y1

),

d7_revocation_penalty as (

    select uscc, 'D.7' as code, 'D' as reason_group,
        'quality/violations' as evidence_dataset, record_id as evidence_id
    from violations
    where has_d7_penalty and is_within_y1

),

d7_revoked_licence as (

    select uscc, 'D.7' as code, 'D' as reason_group,
        'quality/licences' as evidence_dataset, licence_no as evidence_id
    from licences
    where status = 'revoked'

),

d8_service_refusal as (

    select uscc, 'D.8' as code, 'D' as reason_group,
        'quality/violations' as evidence_dataset, record_id as evidence_id
    from violations
    where category = 'service_refusal' and is_within_y1

),

dh_major_accident as (

    select uscc, 'D.H' as code, 'D' as reason_group,
        'quality/accidents' as evidence_dataset, record_id as evidence_id
    from accidents
    where severity in {{ code_set('d_major_accident_severities') }} and is_within_y1

),

-- a severe-harm violation that D.1, D.2, D.5, D.6, D.7 and D.8 leave unmatched
dh_other_severe_violation as (

    select uscc, 'D.H' as code, 'D' as reason_group,
        'quality/violations' as evidence_dataset, record_id as evidence_id
    from violations
    where harm = 'severe'
        and category not in {{ code_set('d_rule_violation_categories') }}
        and not has_d7_penalty
        and is_within_y1

),

-- C: untrustworthy -----------------------------------------------------------------------------------------

c1_licence_under_rectification as (

    select uscc, 'C.1' as code, 'C' as reason_group,
        'quality/licences' as evidence_dataset, licence_no as evidence_id
    from licences
    where status = 'rectifying'
        and (rectify_deadline >= {{ as_of_date() }} or rectify_deadline is null)

),

c2_failed_check as (

    select uscc, 'C.2' as code, 'C' as reason_group,
        'quality/inspections' as evidence_dataset, record_id as evidence_id
    from inspections
    where is_spot_or_supervision_check and is_failed and is_within_y1

),

c3_failed_supervision_test as (

    select uscc, 'C.3' as code, 'C' as reason_group,
        'quality/inspections' as evidence_dataset, record_id as evidence_id
    from inspections
    where kind = 'supervision_test' and is_failed and is_within_y1

),

c3_supervision_test_pass_rate_below_full as (

    select uscc, 'C.3' as code, 'C' as reason_group,
        'quality/production_stats' as evidence_dataset,
        cast(year as {{ dbt.type_string() }}) as evidence_id
    from latest_production_stats
    where supervision_test_pass_rate < {{ policy('full_pass_rate') }}

),

c3_failed_export_inspection as (

    select export_inspections.uscc, 'C.3' as code, 'C' as reason_group,
        'quality/export_inspections' as evidence_dataset, export_inspections.record_id as evidence_id
    from export_inspections
    inner join exporters on export_inspections.uscc = exporters.uscc
    where not export_inspections.passed and export_inspections.is_within_y1

),

c4_below_declared_standard as (

    select uscc, 'C.4' as code, 'C' as reason_group,
        'quality/standards' as evidence_dataset, product as evidence_id
    from standards
    where conformance = 'below_declared'

),

c4_below_standard_violation as (

    select uscc, 'C.4' as code, 'C' as reason_group,
        'quality/violations' as evidence_dataset, record_id as evidence_id
    from violations
    where category = 'below_standard' and is_within_y1

),

-- harm `major` falls in the gap between "no relatively large harm" and "major harm": graded C.5
c5_false_advertising as (

    select uscc, 'C.5' as code, 'C' as reason_group,
        'quality/violations' as evidence_dataset, record_id as evidence_id
    from violations
    where category = 'false_advertising' and harm <> 'severe' and is_within_y1

),

c6_liable_complaint_not_resolved_in_time as (

    select uscc, 'C.6' as code, 'C' as reason_group,
        'quality/complaints' as evidence_dataset, record_id as evidence_id
    from complaints
    where enterprise_liable and is_quality_complaint_kind and is_within_y1 and is_not_resolved_in_time

),

c6_general_accident as (

    select uscc, 'C.6' as code, 'C' as reason_group,
        'quality/accidents' as evidence_dataset, record_id as evidence_id
    from accidents
    where severity = 'general' and is_within_y1

),

c7_after_sales_not_resolved_in_time as (

    select uscc, 'C.7' as code, 'C' as reason_group,
        'quality/complaints' as evidence_dataset, record_id as evidence_id
    from complaints
    where enterprise_liable and is_after_sales_kind and is_within_y1 and is_not_resolved_in_time

),

c8_serious_export_nonconformity as (

    select uscc, 'C.8' as code, 'C' as reason_group,
        'quality/export_inspections' as evidence_dataset, record_id as evidence_id
    from export_inspections
    where (declaration_result = 'serious' or conformity_result = 'serious') and is_within_y1

),

-- any other quality/metrology breach: a violation no rule above matches
ch_other_violation as (

    select uscc, 'C.H' as code, 'C' as reason_group,
        'quality/violations' as evidence_dataset, record_id as evidence_id
    from violations
    where category in {{ code_set('c_harm_categories') }}
        and harm <> 'severe'
        and not has_d7_penalty
        and is_within_y1

),

-- A criteria that fail (they push to B) ---------------------------------------------------------------------

a1_established_under_a_years as (

    select uscc, 'A.1' as code, 'B' as reason_group,
        'quality/enterprises' as evidence_dataset, uscc as evidence_id
    from enterprises
    where not coalesce(established_on <= {{ years_before_as_of('a_established_years') }}, false)

),

a1_failed_check_in_y3 as (

    select uscc, 'A.1' as code, 'B' as reason_group,
        'quality/inspections' as evidence_dataset, record_id as evidence_id
    from inspections
    where is_spot_or_supervision_check and is_failed and is_within_y3

),

a1_violation_in_y3 as (

    select uscc, 'A.1' as code, 'B' as reason_group,
        'quality/violations' as evidence_dataset, record_id as evidence_id
    from violations
    where is_within_y3

),

a2_nonconforming_standard as (

    select uscc, 'A.2' as code, 'B' as reason_group,
        'quality/standards' as evidence_dataset, product as evidence_id
    from standards
    where conformance <> 'conforms'

),

a2_standard_violation_in_y3 as (

    select uscc, 'A.2' as code, 'B' as reason_group,
        'quality/violations' as evidence_dataset, record_id as evidence_id
    from violations
    where category in ('below_standard', 'no_standard') and is_within_y3

),

a3_no_production_stats as (

    select enterprises.uscc, 'A.3' as code, 'B' as reason_group,
        'quality/production_stats' as evidence_dataset, cast(null as {{ dbt.type_string() }}) as evidence_id
    from enterprises
    left join latest_production_stats on enterprises.uscc = latest_production_stats.uscc
    where latest_production_stats.uscc is null

),

a3_pass_rate_below_full as (

    select uscc, 'A.3' as code, 'B' as reason_group,
        'quality/production_stats' as evidence_dataset,
        cast(year as {{ dbt.type_string() }}) as evidence_id
    from latest_production_stats
    where factory_pass_rate <> {{ policy('full_pass_rate') }}
        or supervision_test_pass_rate <> {{ policy('full_pass_rate') }}

),

a3_failed_export_inspection as (

    select export_inspections.uscc, 'A.3' as code, 'B' as reason_group,
        'quality/export_inspections' as evidence_dataset, export_inspections.record_id as evidence_id
    from export_inspections
    inner join exporters on export_inspections.uscc = exporters.uscc
    where not export_inspections.passed and export_inspections.is_within_y1

),

a4_false_advertising_in_y3 as (

    select uscc, 'A.4' as code, 'B' as reason_group,
        'quality/violations' as evidence_dataset, record_id as evidence_id
    from violations
    where category = 'false_advertising' and is_within_y3

),

a5_liable_complaint_in_y1 as (

    select uscc, 'A.5' as code, 'B' as reason_group,
        'quality/complaints' as evidence_dataset, record_id as evidence_id
    from complaints
    where enterprise_liable and is_quality_complaint_kind and is_within_y1

),

a5_accident_in_y1 as (

    select uscc, 'A.5' as code, 'B' as reason_group,
        'quality/accidents' as evidence_dataset, record_id as evidence_id
    from accidents
    where is_within_y1

),

a6_after_sales_complaint_in_y1 as (

    select uscc, 'A.6' as code, 'B' as reason_group,
        'quality/complaints' as evidence_dataset, record_id as evidence_id
    from complaints
    where enterprise_liable and is_after_sales_kind and is_within_y1

),

a7_licence_not_in_good_standing as (

    select uscc, 'A.7' as code, 'B' as reason_group,
        'quality/licences' as evidence_dataset, licence_no as evidence_id
    from licences
    where status in ('rectifying', 'revoked')
        or (status = 'valid' and expires_on < {{ as_of_date() }})

),

a8_export_nonconformity as (

    select export_inspections.uscc, 'A.8' as code, 'B' as reason_group,
        'quality/export_inspections' as evidence_dataset, export_inspections.record_id as evidence_id
    from export_inspections
    inner join exporters on export_inspections.uscc = exporters.uscc
    where (export_inspections.declaration_result <> 'ok' or export_inspections.conformity_result <> 'ok')
        and export_inspections.is_within_y1

),

-- B criteria that fail -----------------------------------------------------------------------------------

b1_established_under_b_years as (

    select uscc, 'B.1' as code, 'B' as reason_group,
        'quality/enterprises' as evidence_dataset, uscc as evidence_id
    from enterprises
    where not coalesce(established_on <= {{ years_before_as_of('b_established_years') }}, false)

),

b1_failed_check_in_y1 as (

    select uscc, 'B.1' as code, 'B' as reason_group,
        'quality/inspections' as evidence_dataset, record_id as evidence_id
    from inspections
    where is_spot_or_supervision_check and is_failed and is_within_y1

),

b1_violation_in_y1 as (

    select uscc, 'B.1' as code, 'B' as reason_group,
        'quality/violations' as evidence_dataset, record_id as evidence_id
    from violations
    where is_within_y1

),

b3_factory_pass_rate_below_full as (

    select uscc, 'B.3' as code, 'B' as reason_group,
        'quality/production_stats' as evidence_dataset,
        cast(year as {{ dbt.type_string() }}) as evidence_id
    from latest_production_stats
    where factory_pass_rate <> {{ policy('full_pass_rate') }}

),

unioned as (

    select * from d1_revoked_registration
    union all select * from d1_unlicensed_violation
    union all select * from d1_lapsed_licence
    union all select * from d2_counterfeit_violation
    union all select * from d3_rectification_overdue
    union all select * from d4_adjacent_failed_spot_checks
    union all select * from d4_serious_supervision_test_failure
    union all select * from d4_evaded_supervision_test
    union all select * from d5_severe_false_advertising
    union all select * from d6_no_standard_conformance
    union all select * from d6_no_standard_violation
    union all select * from d7_revocation_penalty
    union all select * from d7_revoked_licence
    union all select * from d8_service_refusal
    union all select * from dh_major_accident
    union all select * from dh_other_severe_violation
    union all select * from c1_licence_under_rectification
    union all select * from c2_failed_check
    union all select * from c3_failed_supervision_test
    union all select * from c3_supervision_test_pass_rate_below_full
    union all select * from c3_failed_export_inspection
    union all select * from c4_below_declared_standard
    union all select * from c4_below_standard_violation
    union all select * from c5_false_advertising
    union all select * from c6_liable_complaint_not_resolved_in_time
    union all select * from c6_general_accident
    union all select * from c7_after_sales_not_resolved_in_time
    union all select * from c8_serious_export_nonconformity
    union all select * from ch_other_violation
    union all select * from a1_established_under_a_years
    union all select * from a1_failed_check_in_y3
    union all select * from a1_violation_in_y3
    union all select * from a2_nonconforming_standard
    union all select * from a2_standard_violation_in_y3
    union all select * from a3_no_production_stats
    union all select * from a3_pass_rate_below_full
    union all select * from a3_failed_export_inspection
    union all select * from a4_false_advertising_in_y3
    union all select * from a5_liable_complaint_in_y1
    union all select * from a5_accident_in_y1
    union all select * from a6_after_sales_complaint_in_y1
    union all select * from a7_licence_not_in_good_standing
    union all select * from a8_export_nonconformity
    union all select * from b1_established_under_b_years
    union all select * from b1_failed_check_in_y1
    union all select * from b1_violation_in_y1
    union all select * from b3_factory_pass_rate_below_full

),

-- only graded enterprises get hits
final as (

    select unioned.*
    from unioned
    inner join enterprises on unioned.uscc = enterprises.uscc

)

select * from final
