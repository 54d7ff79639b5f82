-- Export inspections at T: per record_id the latest version on or before T, inspected on or before T.
-- depends_on: {{ ref('grading_policy') }}
with

export_inspections_at_as_of as (

    {{ events_as_of(ref('stg_quality__export_inspections'), ['record_id'], corrections_are_rare=true) }}

),

resolved as (

    {{ select_with_resolved_uscc('export_inspections_at_as_of', 'quality', 'export_inspections') }}

),

final as (

    select
        record_id,
        uscc,
        inspected_on,
        declaration_result,
        conformity_result,
        passed,
{{ window_flags('inspected_on') }},
{{ state_identity_and_trace() }}
    from resolved
    where inspected_on <= {{ as_of_date() }}

)

select * from final
