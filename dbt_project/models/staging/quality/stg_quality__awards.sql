-- Quality awards (名牌产品、免检产品、质量管理奖、出口免验): every landed row of every delivery (snapshot, key award_id).
with

source as (

    select * from {{ source('quality', 'awards') }}

),

renamed as (

    select
        ---------- ids
        award_id,
        ---------- codes and text
        kind,
        status,
        ---------- dates
        granted_on,
        expires_on,
        {{ lake_identity_and_stamps() }}
    from source

)

select * from renamed
