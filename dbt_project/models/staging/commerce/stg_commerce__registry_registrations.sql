-- Market entity registry (市场主体登记), sheet 登记信息: every landed row of every delivery (snapshot, key uscc).
with

source as (

    select * from {{ source('commerce', 'registry__registrations') }}

),

renamed as (

    select
        ---------- ids
        registration_no,
        ---------- codes and text
        name,
        registration_status,
        registration_authority,
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
