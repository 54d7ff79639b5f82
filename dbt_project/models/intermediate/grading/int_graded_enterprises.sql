-- The enterprises graded at T: the archive's register at T, minus those whose commerce registration status
-- at T is deregistered. The commerce registry's establishment date wins over the archive's; an enterprise
-- missing from the registry is still graded, flagged registry_unmatched. Both rows' lake stamps are kept, so a
-- criterion read from this model (a revoked registration, an establishment date) cites the row it read.
with

enterprises as (

    select * from {{ ref('int_enterprises_as_of') }}

),

registrations as (

    select * from {{ ref('int_commerce_registrations_as_of') }}

),

-- the registry's key is the USCC, so each group is one row and the stamps below belong to it
registration_per_enterprise as (

    select
        uscc,
        max(established_on) as registered_established_on,
        max(registration_status) as registration_status,
        max(agency || '/' || dataset) as registration_dataset,
        max(delivery_id) as registration_delivery_id,
        max(source_file) as registration_source_file,
        max(source_line) as registration_source_line
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
        registration_per_enterprise.registered_established_on is not null as is_established_on_registered,
        registration_per_enterprise.registration_status,
        registration_per_enterprise.uscc is null as is_registry_unmatched,
        enterprises.agency || '/' || enterprises.dataset as archive_dataset,
        enterprises.delivery_id as archive_delivery_id,
        enterprises.source_file as archive_source_file,
        enterprises.source_line as archive_source_line,
        registration_per_enterprise.registration_dataset,
        registration_per_enterprise.registration_delivery_id,
        registration_per_enterprise.registration_source_file,
        registration_per_enterprise.registration_source_line
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
