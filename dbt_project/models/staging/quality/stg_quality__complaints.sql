-- Complaints, claims and returns (投诉、索赔、退货): every landed row of every delivery (events, key record_id).
with

source as (

    select * from {{ source('quality', 'complaints') }}

),

renamed as (

    select
        ---------- ids
        record_id,
        ---------- codes and text
        kind,
        ---------- booleans
        enterprise_liable,
        ---------- dates
        received_on,
        resolved_on,
        {{ lake_identity_and_stamps() }}
    from source

)

select * from renamed
