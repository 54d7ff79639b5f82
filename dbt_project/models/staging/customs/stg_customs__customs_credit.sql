-- Customs enterprise credit categories (海关企业信用等级): every landed row of every delivery (snapshot, key customs_code).
with

source as (

    select * from {{ source('customs', 'customs_credit') }}

),

renamed as (

    select
        ---------- ids
        customs_code,
        ---------- codes and text
        enterprise_name,
        credit_category,
        ---------- dates
        recognized_on,
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
