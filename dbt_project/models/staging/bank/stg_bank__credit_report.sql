-- Enterprise credit reference reports (企业征信报告): every landed row of every delivery (snapshot, key uscc).
with

source as (

    select * from {{ source('bank', 'credit_report') }}

),

renamed as (

    select
        ---------- dates
        report_date,
        ---------- lists
        loans,
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
