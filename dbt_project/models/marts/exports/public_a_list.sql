-- public_a_list.csv (public): exactly uscc, name, region_code, level, as_of. Nothing else leaves.
with

public_a_list as (

    select * from {{ ref('fct_public_a_list') }}

),

final as (

    select
        uscc,
        name,
        region_code,
        level,
        as_of
    from public_a_list

)

select * from final
