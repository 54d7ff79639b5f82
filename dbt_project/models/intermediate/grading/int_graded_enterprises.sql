-- The enterprises graded at T: the archive's register at T, minus those whose commerce registration status
-- at T is deregistered. The commerce registry's establishment date wins over the archive's; an enterprise
-- missing from the registry is still graded, flagged registry_unmatched.
with

enterprises as (

    select * from {{ ref('int_enterprises_as_of') }}

),

registrations as (

    select * from {{ ref('int_commerce_registrations_as_of') }}

),

registration_per_enterprise as (

    select
        uscc,
        max(established_on) as registered_established_on,
        max(registration_status) as registration_status
    from registrations
    where uscc is not null
    group by uscc

),

joined as (

    select
        enterprises.uscc,
        enterprises.name,
        enterprises.region_code,
        enterprises.industry,
        coalesce(enterprises.is_exporter, false) as is_exporter,
        coalesce(registration_per_enterprise.registered_established_on, enterprises.established_on)
            as established_on,
        registration_per_enterprise.registration_status,
        registration_per_enterprise.uscc is null as is_registry_unmatched
    from enterprises
    left join registration_per_enterprise
        on enterprises.uscc = registration_per_enterprise.uscc
    where enterprises.uscc is not null

),

final as (

    select *
    from joined
    where coalesce(registration_status, '') <> 'deregistered'

)

select * from final
