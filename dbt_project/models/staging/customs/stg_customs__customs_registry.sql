-- Customs registration (海关注册登记): every landed row of every delivery (snapshot, key customs_code).
with

source as (

    select * from {{ source('customs', 'customs_registry') }}

),

renamed as (

    select
        ---------- ids
        customs_code,
        {{ lake_identity_and_stamps() }}
    from source

)

select * from renamed
