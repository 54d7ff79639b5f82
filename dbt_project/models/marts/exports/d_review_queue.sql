-- d_review_queue.csv (internal): one row per D-level enterprise not disclosed (pending or overturned).
with

d_review_queue as (

    select * from {{ ref('fct_d_review_queue') }}

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
    from d_review_queue

)

select * from final
