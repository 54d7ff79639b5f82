-- Inspections at T: per record_id the version from the latest delivery on or before T, dated on or before T,
-- with the kind groups and window flags every rule reads.
-- depends_on: {{ ref('grading_policy') }}
-- depends_on: {{ ref('grading_code_sets') }}
with

inspections_at_as_of as (

    {{ events_as_of(ref('stg_quality__inspections'), ['record_id'], corrections_are_rare=true) }}

),

resolved as (

    {{ select_with_resolved_uscc('inspections_at_as_of', 'quality', 'inspections') }}

),

final as (

    select
        record_id,
        uscc,
        kind,
        product,
        inspected_on,
        result,
        severity,
        kind in {{ code_set('spot_check_kinds') }} as is_spot_check,
        kind in {{ code_set('spot_or_supervision_check_kinds') }} as is_spot_or_supervision_check,
        result = 'fail' as is_failed,
{{ window_flags('inspected_on') }},
{{ state_identity_and_trace() }}
    from resolved
    where inspected_on <= {{ as_of_date() }}

)

select * from final
