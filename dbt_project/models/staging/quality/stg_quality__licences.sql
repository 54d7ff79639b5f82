-- Production licences (生产许可证): every landed row of every delivery (snapshot, key licence_no).
with

source as (

    select * from {{ source('quality', 'licences') }}

),

renamed as (

    select
        ---------- ids
        licence_no,
        ---------- codes and text
        product_category,
        status,
        ---------- dates
        issued_on,
        expires_on,
        rectify_deadline,
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
