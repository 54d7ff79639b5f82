-- Market entity registry (市场主体登记), sheet 经营异常名录: every landed row of every delivery (snapshot, key uscc, listed_on).
with

source as (

    select * from {{ source('commerce', 'registry__abnormal_operations') }}

),

renamed as (

    select
        ---------- codes and text
        listed_reason,
        removed_reason,
        ---------- dates
        listed_on,
        removed_on,
        {{ lake_identity_and_stamps() }}
    from source

)

select * from renamed
