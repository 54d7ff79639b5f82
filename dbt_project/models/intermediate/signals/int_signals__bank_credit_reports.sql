-- Bank signals at T from each enterprise's latest bank report: bank_npl when a loan is classified substandard,
-- doubtful or loss; bank_watch when the worst loan is special mention. One row per such loan, citing the
-- report's line (a report is one line holding all its loans); the record is the loan contract.
-- depends_on: {{ ref('grading_code_sets') }}
with

bank_reports as (

    select * from {{ ref('int_bank_credit_reports_as_of') }}

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
        latest_bank_report.* exclude (loans, report_rank),
        loan.contract_id,
        loan.classification in {{ code_set('npl_loan_classifications') }} as is_npl_loan,
        loan.classification in {{ code_set('watch_loan_classifications') }} as is_watch_loan
    from latest_bank_report,
        unnest(latest_bank_report.loans) as loans_unnested (loan)

),

classified_loans as (

    select
        *,
        bool_or(is_npl_loan) over (partition by uscc) as has_npl_loan
    from bank_loans

),

bank_npl as (

    select {{ evidence_columns('bank_npl', 'contract_id', 'report_date', code_column='signal') }}
    from classified_loans
    where is_npl_loan

),

-- the worst loan is special mention: a special-mention loan and no non-performing one
bank_watch as (

    select {{ evidence_columns('bank_watch', 'contract_id', 'report_date', code_column='signal') }}
    from classified_loans
    where is_watch_loan and not has_npl_loan

)

select * from bank_npl
union all select * from bank_watch
