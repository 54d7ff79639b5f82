-- Production licences (生产许可证): every landed row of every delivery (snapshot, key licence_no).
with

source as (

    select * from {{ source('quality', 'licences') }}

),

renamed as (

    select
        ---------- ids
        licence_no,
        ---------- codes and text
        product_category,
        status,
        ---------- dates
        issued_on,
        expires_on,
        rectify_deadline,
        {{ lake_identity_and_stamps() }}
    from source

)

select * from renamed
