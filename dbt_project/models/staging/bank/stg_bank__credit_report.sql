-- Enterprise credit reference reports (企业征信报告): every landed row of every delivery (snapshot, key uscc).
with

source as (

    select * from {{ source('bank', 'credit_report') }}

),

renamed as (

    select
        ---------- dates
        report_date,
        ---------- lists
        loans,
        {{ lake_identity_and_stamps() }}
    from source

)

select * from renamed
