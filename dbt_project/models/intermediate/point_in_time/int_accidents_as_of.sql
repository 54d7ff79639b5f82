-- Quality accidents at T: per record_id the latest version on or before T, occurred on or before T.
-- depends_on: {{ ref('grading_policy') }}
with

accidents_at_as_of as (

    {{ events_as_of(ref('stg_quality__accidents'), ['record_id']) }}

),

resolved as (

    {{ select_with_resolved_uscc('accidents_at_as_of', 'quality', 'accidents') }}

),

final as (

    select
        record_id,
        uscc,
        occurred_on,
        severity,
{{ window_flags('occurred_on') }},
{{ state_identity_and_trace() }}
    from resolved
    where occurred_on <= {{ as_of_date() }}

)

select * from final
