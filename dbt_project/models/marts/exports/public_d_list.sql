-- public_d_list.csv (public): exactly uscc, name, region_code, level, as_of, reasons. Nothing else leaves.
with

public_d_list as (

    select * from {{ ref('fct_public_d_list') }}

),

final as (

    select
        uscc,
        name,
        region_code,
        level,
        as_of,
        reasons
    from public_d_list

)

select * from final
