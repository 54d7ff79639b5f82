-- Customs enterprise credit categories (海关企业信用等级): every landed row of every delivery (snapshot, key customs_code).
with

source as (

    select * from {{ source('customs', 'customs_credit') }}

),

renamed as (

    select
        ---------- ids
        customs_code,
        ---------- codes and text
        enterprise_name,
        credit_category,
        ---------- dates
        recognized_on,
        {{ lake_identity_and_stamps() }}
    from source

)

select * from renamed
