-- Production licences at T: the latest licences delivery on or before T (a snapshot).
with

licences_at_as_of as (

    {{ snapshot_as_of(ref('stg_quality__licences'), 'quality', 'licences') }}

),

resolved as (

    {{ select_with_resolved_uscc('licences_at_as_of', 'quality', 'licences') }}

),

final as (

    select
        licence_no,
        uscc,
        product_category,
        issued_on,
        expires_on,
        status,
        rectify_deadline,
{{ state_identity_and_trace() }}
    from resolved
    where issued_on <= {{ as_of_date() }}

)

select * from final
