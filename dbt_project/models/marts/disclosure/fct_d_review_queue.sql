-- D-level enterprises not disclosed at T: pending review, or overturned (flagged for data correction).
with

d_review_status as (

    select * from {{ ref('fct_d_review_status') }}

),

final as (

    select
        uscc,
        name,
        region_code,
        as_of,
        reasons,
        review_status,
        ruleset_version
    from d_review_status
    where review_status in ('pending', 'overturned')

)

select * from final
