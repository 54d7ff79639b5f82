-- Declared product standards (明示或承诺标准): every landed row of every delivery (snapshot, key uscc, product).
with

source as (

    select * from {{ source('quality', 'standards') }}

),

renamed as (

    select
        ---------- codes and text
        product,
        standard_code,
        conformance,
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
