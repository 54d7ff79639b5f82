-- The serious illegal and dishonest list (严重违法失信名单) at T, with whether each entry is in force at T.
with

serious_violations_at_as_of as (

    {{ snapshot_as_of(ref('stg_commerce__registry_serious_violations'), 'commerce', 'registry__serious_violations') }}

),

resolved as (

    {{ select_with_resolved_uscc('serious_violations_at_as_of', 'commerce', 'registry__serious_violations') }}

),

final as (

    select
        uscc,
        listed_on,
        removed_on,
        {{ is_listed_at_as_of() }} as is_listed_at_as_of,
{{ state_identity_and_trace() }}
    from resolved

)

select * from final
