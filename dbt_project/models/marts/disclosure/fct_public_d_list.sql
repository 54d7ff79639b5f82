-- The public D list: level D at T and the latest review in the window confirmed it. Public columns (plus
-- ruleset_version, which the public export view leaves out).
with

d_review_status as (

    select * from {{ ref('fct_d_review_status') }}

),

final as (

    select
        uscc,
        name,
        region_code,
        level,
        as_of,
        reasons,
        ruleset_version
    from d_review_status
    where review_status = 'confirmed'

)

select * from final
