-- Administrative penalty decisions (质量、计量违法违规记录): every landed row of every delivery (events, key record_id).
with

source as (

    select * from {{ source('quality', 'violations') }}

),

renamed as (

    select
        ---------- ids
        record_id,
        ---------- codes and text
        category,
        harm,
        penalty,
        description,
        ---------- dates
        decided_on,
        ---------- identity (ARCHITECTURE.md section 2)
        uscc as landed_uscc,
        identifier,
        identifier_kind,
        unresolved_reason,
        ---------- delivery stamps
        _agency as agency,
        _dataset as dataset,
        _table as lake_table,
        _delivery_date as delivery_date,
        _delivery_seq as delivery_seq,
        _source_file as source_file,
        _source_line as source_line
    from source

)

select * from renamed
