-- Administrative penalty decisions (质量、计量违法违规记录): every landed row of every delivery (events, key record_id).
with

source as (

    select * from {{ source('quality', 'violations') }}

),

renamed as (

    select
        ---------- ids
        record_id,
        ---------- codes and text
        category,
        harm,
        penalty,
        description,
        ---------- dates
        decided_on,
        {{ lake_identity_and_stamps() }}
    from source

)

select * from renamed
