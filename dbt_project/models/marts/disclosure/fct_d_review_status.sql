-- Review status of every D-level enterprise at T: the latest D review (by reviewed_on, then record_id) with
-- reviewed_on in (T - window, T] decides. confirmed -> disclosed; overturned -> not disclosed, flagged for data
-- correction; no such review -> pending review, not disclosed.
-- depends_on: {{ ref('grading_policy') }}
with

levels as (

    select * from {{ ref('fct_enterprise_levels') }}

),

d_reviews as (

    select * from {{ ref('int_d_reviews_as_of') }}

),

reviews_in_window as (

    select
        uscc,
        record_id,
        decision,
        row_number() over (partition by uscc order by reviewed_on desc, record_id desc) as review_rank
    from d_reviews
    where {{ is_within_years_of_as_of('reviewed_on', 'd_review_window_years') }}

),

latest_review as (

    select * from reviews_in_window where review_rank = 1

),

final as (

    select
        levels.uscc,
        levels.name,
        levels.region_code,
        levels.as_of,
        levels.level,
        levels.reasons,
        latest_review.record_id as review_record_id,
        case
            when latest_review.decision = 'confirmed' then 'confirmed'
            when latest_review.decision = 'overturned' then 'overturned'
            else 'pending'
        end as review_status,
        levels.ruleset_version
    from levels
    left join latest_review on levels.uscc = latest_review.uscc
    where levels.level = 'D'

)

select * from final
