-- Enterprises under quality supervision (企业质量档案): every landed row of every delivery (snapshot, key uscc).
-- Personal columns (legal_rep, phone, address) stay in the lake: they never reach a model.

with

source as (

    select * from {{ source('quality', 'enterprises') }}

),

renamed as (

    select
        ---------- codes and text
        name,
        region_code,
        industry,
        ---------- booleans
        is_exporter,
        ---------- dates
        established_on,
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
