-- Cross-agency signals as rows: (uscc, signal, evidence_dataset, evidence_id) for every signal that holds at T,
-- from the latest deliveries on or before T. Signals never change the quality level.
-- depends_on: {{ ref('grading_code_sets') }}
with

bank_reports as (

    select * from {{ ref('int_bank_credit_reports_as_of') }}

),

tax_ratings as (

    select * from {{ ref('int_tax_credit_as_of') }}

),

abnormal_operations as (

    select * from {{ ref('int_commerce_abnormal_operations_as_of') }}

),

serious_violations as (

    select * from {{ ref('int_commerce_serious_violations_as_of') }}

),

customs_credit as (

    select * from {{ ref('int_customs_credit_as_of') }}

),

latest_bank_report as (

    select *
    from (
        select
            *,
            row_number() over (partition by uscc order by report_date desc, source_line desc) as report_rank
        from bank_reports
        where uscc is not null
    ) as ranked
    where report_rank = 1

),

bank_loans as (

    select
        latest_bank_report.uscc,
        latest_bank_report.source_line,
        loan.contract_id,
        loan.classification
    from latest_bank_report,
        unnest(latest_bank_report.loans) as loans_unnested (loan)

),

bank_loan_summary as (

    select
        uscc,
        min(contract_id) as first_contract_id,
        max(case when classification in {{ code_set('npl_loan_classifications') }} then 1 else 0 end)
            as has_npl_loan,
        max(case when classification in {{ code_set('watch_loan_classifications') }} then 1 else 0 end)
            as has_watch_loan,
        min(case when classification in {{ code_set('npl_loan_classifications') }} then contract_id end)
            as npl_contract_id,
        min(case when classification in {{ code_set('watch_loan_classifications') }} then contract_id end)
            as watch_contract_id
    from bank_loans
    group by uscc

),

bank_npl as (

    select uscc, 'bank_npl' as signal,
        'bank/credit_report' as evidence_dataset, npl_contract_id as evidence_id
    from bank_loan_summary
    where has_npl_loan = 1

),

-- the worst loan is special mention: a special-mention loan and no non-performing one
bank_watch as (

    select uscc, 'bank_watch' as signal,
        'bank/credit_report' as evidence_dataset, watch_contract_id as evidence_id
    from bank_loan_summary
    where has_watch_loan = 1 and has_npl_loan = 0

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

    select uscc, 'tax_d' as signal,
        'tax/tax_credit' as evidence_dataset, cast(evaluation_year as {{ dbt.type_string() }}) as evidence_id
    from latest_tax_rating
    where tax_credit_level = 'D'

),

tax_c as (

    select uscc, 'tax_c' as signal,
        'tax/tax_credit' as evidence_dataset, cast(evaluation_year as {{ dbt.type_string() }}) as evidence_id
    from latest_tax_rating
    where tax_credit_level = 'C'

),

commerce_abnormal as (

    select uscc, 'commerce_abnormal' as signal,
        'commerce/registry' as evidence_dataset, cast(min(listed_on) as {{ dbt.type_string() }}) as evidence_id
    from abnormal_operations
    where is_listed_at_as_of and uscc is not null
    group by uscc

),

commerce_serious as (

    select uscc, 'commerce_serious' as signal,
        'commerce/registry' as evidence_dataset, cast(min(listed_on) as {{ dbt.type_string() }}) as evidence_id
    from serious_violations
    where is_listed_at_as_of and uscc is not null
    group by uscc

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

customs_untrusted as (

    select uscc, 'customs_untrusted' as signal,
        'customs/customs_credit' as evidence_dataset, customs_code as evidence_id
    from latest_customs_category
    where credit_category in {{ code_set('untrusted_customs_categories') }}

),

unioned as (

    select * from bank_npl
    union all select * from bank_watch
    union all select * from tax_d
    union all select * from tax_c
    union all select * from commerce_abnormal
    union all select * from commerce_serious
    union all select * from customs_untrusted

)

select * from unioned
