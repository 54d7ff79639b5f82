-- Voluntary applications for public A-level disclosure at T: per (enterprise, applied_on) the latest version.
with

a_applications_at_as_of as (

    {{ events_as_of(ref('stg_quality__a_applications'), ['identifier', 'applied_on']) }}

),

resolved as (

    {{ select_with_resolved_uscc('a_applications_at_as_of', 'quality', 'a_applications') }}

),

final as (

    select
        uscc,
        applied_on,
        withdrawn_on,
        provincial_result,
        evaluated_on,
        testing_unit_opinion,
{{ state_identity_and_trace() }}
    from resolved
    where applied_on <= {{ as_of_date() }}

)

select * from final
