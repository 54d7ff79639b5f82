-- Complaints, claims and returns at T: per record_id the latest version on or before T, received on or before T,
-- with whether each was resolved in time as seen at T (a resolution dated after T is not a resolution yet).
-- depends_on: {{ ref('grading_policy') }}
-- depends_on: {{ ref('grading_code_sets') }}
with

complaints_at_as_of as (

    {{ events_as_of(ref('stg_quality__complaints'), ['record_id']) }}

),

resolved as (

    {{ select_with_resolved_uscc('complaints_at_as_of', 'quality', 'complaints') }}

),

resolution_at_as_of as (

    select
        *,
        case when resolved_on <= {{ as_of_date() }} then resolved_on end as resolved_on_at_as_of
    from resolved
    where received_on <= {{ as_of_date() }}

),

final as (

    select
        record_id,
        uscc,
        kind,
        received_on,
        enterprise_liable,
        resolved_on,
        resolved_on_at_as_of,
        kind in {{ code_set('liable_quality_complaint_kinds') }} as is_quality_complaint_kind,
        kind in {{ code_set('after_sales_complaint_kinds') }} as is_after_sales_kind,
        case
            when resolved_on_at_as_of is not null
                then {{ dbt.datediff('received_on', 'resolved_on_at_as_of', 'day') }}
                    > {{ policy('complaint_resolution_days') }}
            else {{ dbt.datediff('received_on', as_of_date(), 'day') }}
                > {{ policy('complaint_resolution_days') }}
        end as is_not_resolved_in_time,
{{ window_flags('received_on') }},
{{ state_identity_and_trace() }}
    from resolution_at_as_of

)

select * from final
