-- Reviews of D levels before disclosure (D级复核): every landed row of every delivery (events, key record_id).
-- Personal columns (reviewer) stay in the lake: they never reach a model.

with

source as (

    select * from {{ source('quality', 'd_reviews') }}

),

renamed as (

    select
        ---------- ids
        record_id,
        ---------- codes and text
        decision,
        note,
        ---------- dates
        reviewed_on,
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
