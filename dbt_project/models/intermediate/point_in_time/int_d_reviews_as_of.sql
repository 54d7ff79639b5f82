-- Reviews of D levels at T: per record_id the latest version on or before T, reviewed on or before T.
with

d_reviews_at_as_of as (

    {{ events_as_of(ref('stg_quality__d_reviews'), ['record_id']) }}

),

resolved as (

    {{ select_with_resolved_uscc('d_reviews_at_as_of', 'quality', 'd_reviews') }}

),

final as (

    select
        record_id,
        uscc,
        reviewed_on,
        decision,
{{ state_identity_and_trace() }}
    from resolved
    where reviewed_on <= {{ as_of_date() }}

)

select * from final
