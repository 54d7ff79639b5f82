-- The identity crosswalk at T: every identifier kind an agency uses, with the key it matches on, to a USCC.
--   uscc:          a USCC of the quality archive's register
--   legacy_tax_no: the organization code (USCC positions 9-17) of a register USCC, when only one carries it
--   customs_code:  the customs registry's code -> USCC, when the code names one USCC
with

enterprises as (

    select * from {{ ref('int_enterprises_as_of') }}

),

customs_registry as (

    select * from {{ ref('int_customs_registry_as_of') }}

),

register_usccs as (

    select distinct uscc
    from enterprises
    where uscc is not null

),

by_uscc as (

    select
        'uscc' as identifier_kind,
        uscc as match_key,
        uscc
    from register_usccs

),

organization_codes as (

    select
        substring(uscc, 9, 9) as organization_code,
        uscc,
        count(*) over (partition by substring(uscc, 9, 9)) as usccs_with_code
    from register_usccs

),

by_organization_code as (

    select
        'legacy_tax_no' as identifier_kind,
        organization_code as match_key,
        uscc
    from organization_codes
    where usccs_with_code = 1

),

customs_codes as (

    select
        customs_code,
        min(uscc) as uscc,
        count(distinct uscc) as usccs_with_code
    from customs_registry
    where uscc is not null
    group by customs_code

),

by_customs_code as (

    select
        'customs_code' as identifier_kind,
        customs_code as match_key,
        uscc
    from customs_codes
    where usccs_with_code = 1

),

unioned as (

    select * from by_uscc
    union all
    select * from by_organization_code
    union all
    select * from by_customs_code

)

select * from unioned
