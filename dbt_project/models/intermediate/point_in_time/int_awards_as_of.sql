-- Quality awards at T: the latest awards delivery on or before T (a snapshot), granted on or before T.
with

awards_at_as_of as (

    {{ snapshot_as_of(ref('stg_quality__awards'), 'quality', 'awards') }}

),

resolved as (

    {{ select_with_resolved_uscc('awards_at_as_of', 'quality', 'awards') }}

),

final as (

    select
        award_id,
        uscc,
        kind,
        granted_on,
        expires_on,
        status,
{{ state_identity_and_trace() }}
    from resolved
    where granted_on <= {{ as_of_date() }}

)

select * from final
