-- Export inspections (出口检验检疫): every landed row of every delivery (events, key record_id).
with

source as (

    select * from {{ source('quality', 'export_inspections') }}

),

renamed as (

    select
        ---------- ids
        record_id,
        ---------- codes and text
        declaration_result,
        conformity_result,
        ---------- booleans
        passed,
        ---------- dates
        inspected_on,
        {{ lake_identity_and_stamps() }}
    from source

)

select * from renamed
