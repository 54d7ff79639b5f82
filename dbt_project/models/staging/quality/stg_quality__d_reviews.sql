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
        {{ lake_identity_and_stamps() }}
    from source

)

select * from renamed
