-- Declared product standards at T: the latest standards delivery on or before T (a snapshot).
with

standards_at_as_of as (

    {{ snapshot_as_of(ref('stg_quality__standards'), 'quality', 'standards') }}

),

resolved as (

    {{ select_with_resolved_uscc('standards_at_as_of', 'quality', 'standards') }}

),

final as (

    select
        uscc,
        product,
        standard_code,
        conformance,
{{ state_identity_and_trace() }}
    from resolved

)

select * from final
