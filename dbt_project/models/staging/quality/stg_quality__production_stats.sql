-- Production statistics (出厂合格率、监督检验合格率): every landed row of every delivery (events, key uscc, year).
with

source as (

    select * from {{ source('quality', 'production_stats') }}

),

renamed as (

    select
        ---------- numerics
        year,
        factory_pass_rate,
        supervision_test_pass_rate,
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
