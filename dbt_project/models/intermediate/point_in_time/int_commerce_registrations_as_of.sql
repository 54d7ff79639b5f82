-- Market registrations at T: the latest registry workbook on or before T (a snapshot).
with

registrations_at_as_of as (

    {{ snapshot_as_of(ref('stg_commerce__registry_registrations'), 'commerce', 'registry__registrations') }}

),

resolved as (

    {{ select_with_resolved_uscc('registrations_at_as_of', 'commerce', 'registry__registrations') }}

),

final as (

    select
        uscc,
        name as registered_name,
        established_on,
        registration_status,
{{ state_identity_and_trace() }}
    from resolved

)

select * from final
