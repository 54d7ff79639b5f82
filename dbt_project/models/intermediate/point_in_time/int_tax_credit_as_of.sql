-- Tax credit ratings at T: per (taxpayer, evaluation year) the latest re-rating on or before T, rated on or
-- before T; legacy tax numbers resolve to a USCC through the crosswalk. Re-ratings are rare, so only the re-rated
-- keys go through the ranking window (same rows, less work).
with

tax_credit_at_as_of as (

    {{ events_as_of(ref('stg_tax__tax_credit'), ['identifier', 'evaluation_year'], corrections_are_rare=true) }}

),

resolved as (

    {{ select_with_resolved_uscc('tax_credit_at_as_of', 'tax', 'tax_credit') }}

),

final as (

    select
        taxpayer_id,
        uscc,
        evaluation_year,
        tax_credit_level,
        rated_on,
{{ state_identity_and_trace() }}
    from resolved
    where rated_on <= {{ as_of_date() }}

)

select * from final
