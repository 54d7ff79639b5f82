-- Criteria read from export inspections at T. A failed inspection counts (C.3, A.3) for an enterprise the
-- archive marks as an exporter; a serious nonconformity (C.8) counts for whoever it names, and any
-- nonconformity fails A.8 for an exporter.
with

export_inspections as (

    select * from {{ ref('int_export_inspections_as_of') }}

),

exporters as (

    select uscc from {{ ref('int_graded_enterprises') }} where is_exporter

),

exporters_inspections_in_y1 as (

    select export_inspections.*
    from export_inspections
    semi join exporters on export_inspections.uscc = exporters.uscc
    where export_inspections.is_within_y1

),

c3_failed_export_inspection as (

    select {{ evidence_columns('C.3', 'record_id', 'inspected_on') }}
    from exporters_inspections_in_y1
    where not passed

),

c8_serious_nonconformity as (

    select {{ evidence_columns('C.8', 'record_id', 'inspected_on') }}
    from export_inspections
    where (declaration_result = 'serious' or conformity_result = 'serious') and is_within_y1

),

a3_failed_export_inspection as (

    select {{ evidence_columns('A.3', 'record_id', 'inspected_on') }}
    from exporters_inspections_in_y1
    where not passed

),

a8_nonconformity as (

    select {{ evidence_columns('A.8', 'record_id', 'inspected_on') }}
    from exporters_inspections_in_y1
    where declaration_result <> 'ok' or conformity_result <> 'ok'

)

select * from c3_failed_export_inspection
union all select * from c8_serious_nonconformity
union all select * from a3_failed_export_inspection
union all select * from a8_nonconformity
