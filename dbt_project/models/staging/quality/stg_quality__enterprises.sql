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
        {{ lake_identity_and_stamps() }}
    from source

)

select * from renamed
