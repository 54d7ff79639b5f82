-- Tax signals at T from each enterprise's latest tax credit rating (highest evaluation year): tax_d, tax_c.
-- The record is the rating's evaluation year.
with

tax_ratings as (

    select * from {{ ref('int_tax_credit_as_of') }}

),

latest_tax_rating as (

    select *
    from (
        select
            *,
            row_number() over (
                partition by uscc order by evaluation_year desc, rated_on desc, taxpayer_id desc
            ) as rating_rank
        from tax_ratings
        where uscc is not null
    ) as ranked
    where rating_rank = 1

),

tax_d as (

    select {{ evidence_columns('tax_d', 'evaluation_year', 'rated_on', code_column='signal') }}
    from latest_tax_rating
    where tax_credit_level = 'D'

),

tax_c as (

    select {{ evidence_columns('tax_c', 'evaluation_year', 'rated_on', code_column='signal') }}
    from latest_tax_rating
    where tax_credit_level = 'C'

)

select * from tax_d
union all select * from tax_c
