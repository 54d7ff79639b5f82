-- Applications for public A-level disclosure (A级企业自愿申请与评价): every landed row of every delivery (events, key uscc, applied_on).
with

source as (

    select * from {{ source('quality', 'a_applications') }}

),

renamed as (

    select
        ---------- codes and text
        provincial_result,
        testing_unit_opinion,
        ---------- dates
        applied_on,
        withdrawn_on,
        evaluated_on,
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
