-- Tax credit ratings (纳税信用等级): every landed row of every delivery (events, key taxpayer_id, evaluation_year).
with

source as (

    select * from {{ source('tax', 'tax_credit') }}

),

renamed as (

    select
        ---------- ids
        taxpayer_id,
        ---------- codes and text
        taxpayer_name,
        tax_credit_level,
        ---------- numerics
        evaluation_year,
        ---------- dates
        rated_on,
        {{ lake_identity_and_stamps() }}
    from source

)

select * from renamed
