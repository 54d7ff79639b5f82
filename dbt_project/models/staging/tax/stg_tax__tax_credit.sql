-- Tax credit ratings (纳税信用等级): every landed row of every delivery (events, key taxpayer_id, evaluation_year).
with

source as (

    select * from {{ source('tax', 'tax_credit') }}

),

renamed as (

    select
        ---------- ids
        taxpayer_id,
        ---------- codes and text
        taxpayer_name,
        tax_credit_level,
        ---------- numerics
        evaluation_year,
        ---------- dates
        rated_on,
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
