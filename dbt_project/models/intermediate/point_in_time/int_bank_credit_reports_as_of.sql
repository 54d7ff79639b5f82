-- Bank credit reports at T: the latest credit_report delivery on or before T (a snapshot).
with

credit_reports_at_as_of as (

    {{ snapshot_as_of(ref('stg_bank__credit_report'), 'bank', 'credit_report') }}

),

resolved as (

    {{ select_with_resolved_uscc('credit_reports_at_as_of', 'bank', 'credit_report') }}

),

final as (

    select
        uscc,
        report_date,
        loans,
{{ state_identity_and_trace() }}
    from resolved
    where report_date <= {{ as_of_date() }}

)

select * from final
