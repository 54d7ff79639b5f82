-- Customs code -> USCC at T: the latest customs registry delivery on or before T (a snapshot).
with

registry_at_as_of as (

    {{ snapshot_as_of(ref('stg_customs__customs_registry'), 'customs', 'customs_registry') }}

),

final as (

    select
        customs_code,
        landed_uscc as uscc,
{{ state_identity_and_trace() }}
    from registry_at_as_of

)

select * from final
