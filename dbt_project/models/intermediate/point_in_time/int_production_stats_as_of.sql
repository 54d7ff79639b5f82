-- Production statistics at T: per (enterprise, year) the latest version on or before T, for years up to year(T).
with

production_stats_at_as_of as (

    {{ events_as_of(ref('stg_quality__production_stats'), ['identifier', 'year'], corrections_are_rare=true) }}

),

resolved as (

    {{ select_with_resolved_uscc('production_stats_at_as_of', 'quality', 'production_stats') }}

),

final as (

    select
        uscc,
        year,
        factory_pass_rate,
        supervision_test_pass_rate,
{{ state_identity_and_trace() }}
    from resolved
    where year <= extract(year from {{ as_of_date() }})

)

select * from final
