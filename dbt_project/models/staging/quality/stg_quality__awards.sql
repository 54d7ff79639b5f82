-- Quality awards (名牌产品、免检产品、质量管理奖、出口免验): every landed row of every delivery (snapshot, key award_id).
with

source as (

    select * from {{ source('quality', 'awards') }}

),

renamed as (

    select
        ---------- ids
        award_id,
        ---------- codes and text
        kind,
        status,
        ---------- dates
        granted_on,
        expires_on,
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
