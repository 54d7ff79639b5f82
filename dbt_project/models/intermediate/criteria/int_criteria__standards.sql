-- Criteria read from declared product standards at T (a snapshot: no event date): a product made to no
-- standard (D.6) or below the declared one (C.4); any nonconforming row fails A.2. The record is the product.
with

standards as (

    select * from {{ ref('int_standards_as_of') }}

),

d6_no_standard_conformance as (

    select {{ evidence_columns('D.6', 'product') }}
    from standards
    where conformance = 'none'

),

c4_below_declared_standard as (

    select {{ evidence_columns('C.4', 'product') }}
    from standards
    where conformance = 'below_declared'

),

a2_nonconforming_standard as (

    select {{ evidence_columns('A.2', 'product') }}
    from standards
    where conformance <> 'conforms'

)

select * from d6_no_standard_conformance
union all select * from c4_below_declared_standard
union all select * from a2_nonconforming_standard
