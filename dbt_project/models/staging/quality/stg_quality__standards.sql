-- Declared product standards (明示或承诺标准): every landed row of every delivery (snapshot, key uscc, product).
with

source as (

    select * from {{ source('quality', 'standards') }}

),

renamed as (

    select
        ---------- codes and text
        product,
        standard_code,
        conformance,
        {{ lake_identity_and_stamps() }}
    from source

)

select * from renamed
