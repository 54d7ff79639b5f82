-- Quality accidents (质量事故): every landed row of every delivery (events, key record_id).
with

source as (

    select * from {{ source('quality', 'accidents') }}

),

renamed as (

    select
        ---------- ids
        record_id,
        ---------- codes and text
        severity,
        description,
        ---------- dates
        occurred_on,
        {{ lake_identity_and_stamps() }}
    from source

)

select * from renamed
