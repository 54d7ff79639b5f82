-- The abnormal operations list (经营异常名录) at T, with whether each entry is in force at T.
with

abnormal_operations_at_as_of as (

    {{ snapshot_as_of(ref('stg_commerce__registry_abnormal_operations'), 'commerce', 'registry__abnormal_operations') }}

),

resolved as (

    {{ select_with_resolved_uscc('abnormal_operations_at_as_of', 'commerce', 'registry__abnormal_operations') }}

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
