-- Market entity registry (市场主体登记), sheet 登记信息: every landed row of every delivery (snapshot, key uscc).
with

source as (

    select * from {{ source('commerce', 'registry__registrations') }}

),

renamed as (

    select
        ---------- ids
        registration_no,
        ---------- codes and text
        name,
        registration_status,
        registration_authority,
        ---------- dates
        established_on,
        {{ lake_identity_and_stamps() }}
    from source

)

select * from renamed
