-- Inspections and supervision tests (监督抽查、监督检查、监督检验): every landed row of every delivery (events, key record_id).
with

source as (

    select * from {{ source('quality', 'inspections') }}

),

renamed as (

    select
        ---------- ids
        record_id,
        ---------- codes and text
        kind,
        product,
        result,
        severity,
        ---------- dates
        inspected_on,
        {{ lake_identity_and_stamps() }}
    from source

)

select * from renamed
