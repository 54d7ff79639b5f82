-- The quality archive's register at T: the latest enterprises delivery on or before T (a snapshot).
with

register_at_as_of as (

    {{ snapshot_as_of(ref('stg_quality__enterprises'), 'quality', 'enterprises') }}

),

final as (

    select
        landed_uscc as uscc,
        name,
        region_code,
        industry,
        is_exporter,
        established_on,
{{ state_identity_and_trace() }}
    from register_at_as_of

)

select * from final
