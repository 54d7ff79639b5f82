-- Production statistics (出厂合格率、监督检验合格率): every landed row of every delivery (events, key uscc, year).
with

source as (

    select * from {{ source('quality', 'production_stats') }}

),

renamed as (

    select
        ---------- numerics
        year,
        factory_pass_rate,
        supervision_test_pass_rate,
        {{ lake_identity_and_stamps() }}
    from source

)

select * from renamed
