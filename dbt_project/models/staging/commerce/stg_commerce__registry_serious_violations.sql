-- Market entity registry (市场主体登记), sheet 严重违法失信名单: every landed row of every delivery (snapshot, key uscc, listed_on).
with

source as (

    select * from {{ source('commerce', 'registry__serious_violations') }}

),

renamed as (

    select
        ---------- codes and text
        listed_reason,
        ---------- dates
        listed_on,
        removed_on,
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
