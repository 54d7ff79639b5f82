-- Administrative penalty decisions at T: per record_id the latest version on or before T, decided on or
-- before T, with window flags.
-- depends_on: {{ ref('grading_policy') }}
-- depends_on: {{ ref('grading_code_sets') }}
with

violations_at_as_of as (

    {{ events_as_of(ref('stg_quality__violations'), ['record_id']) }}

),

resolved as (

    {{ select_with_resolved_uscc('violations_at_as_of', 'quality', 'violations') }}

),

final as (

    select
        record_id,
        uscc,
        decided_on,
        category,
        harm,
        penalty,
        penalty in {{ code_set('d7_penalties') }} as has_d7_penalty,
{{ window_flags('decided_on') }},
{{ state_identity_and_trace() }}
    from resolved
    where decided_on <= {{ as_of_date() }}

)

select * from final
