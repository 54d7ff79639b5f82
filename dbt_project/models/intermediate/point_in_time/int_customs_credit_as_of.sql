-- Customs credit categories at T: the latest customs_credit delivery on or before T (a snapshot); rows with
-- an empty USCC resolve through the customs registry.
with

customs_credit_at_as_of as (

    {{ snapshot_as_of(ref('stg_customs__customs_credit'), 'customs', 'customs_credit') }}

),

resolved as (

    {{ select_with_resolved_uscc('customs_credit_at_as_of', 'customs', 'customs_credit') }}

),

final as (

    select
        customs_code,
        uscc,
        credit_category,
        recognized_on,
{{ state_identity_and_trace() }}
    from resolved
    where coalesce(recognized_on, {{ as_of_date() }}) <= {{ as_of_date() }}

)

select * from final
