-- Applications for public A-level disclosure (A级企业自愿申请与评价): every landed row of every delivery (events, key uscc, applied_on).
with

source as (

    select * from {{ source('quality', 'a_applications') }}

),

renamed as (

    select
        ---------- codes and text
        provincial_result,
        testing_unit_opinion,
        ---------- dates
        applied_on,
        withdrawn_on,
        evaluated_on,
        {{ lake_identity_and_stamps() }}
    from source

)

select * from renamed
