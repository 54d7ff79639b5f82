-- customs_untrusted at T: the latest customs credit category is dishonest or seriously dishonest (失信企业,
-- 严重失信企业). The record is the customs code.
-- depends_on: {{ ref('grading_code_sets') }}
with

customs_credit as (

    select * from {{ ref('int_customs_credit_as_of') }}

),

latest_customs_category as (

    select *
    from (
        select
            *,
            row_number() over (
                partition by uscc order by recognized_on desc nulls last, customs_code desc
            ) as category_rank
        from customs_credit
        where uscc is not null
    ) as ranked
    where category_rank = 1

),

final as (

    select {{ evidence_columns('customs_untrusted', 'customs_code', 'recognized_on', code_column='signal') }}
    from latest_customs_category
    where credit_category in {{ code_set('untrusted_customs_categories') }}

)

select * from final
