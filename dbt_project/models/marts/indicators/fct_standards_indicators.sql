-- Standards indicators per graded enterprise at T: declared standards and how production conforms to them.
with

enterprises as (select * from {{ ref('int_graded_enterprises') }}),

standards as (select * from {{ ref('int_standards_as_of') }}),

violations as (select * from {{ ref('int_violations_as_of') }}),

standard_counts as (

    select
        uscc,
        count(*) as declared_standards,
        sum(case when conformance = 'below_declared' then 1 else 0 end) as below_declared_standards,
        sum(case when conformance = 'none' then 1 else 0 end) as products_without_standard
    from standards
    group by uscc

),

standard_violation_counts as (

    select uscc, count(*) as standard_violations_y3
    from violations
    where category in ('below_standard', 'no_standard') and is_within_y3
    group by uscc

),

final as (

    select
        enterprises.uscc,
        coalesce(standard_counts.declared_standards, 0) as declared_standards,
        coalesce(standard_counts.below_declared_standards, 0) as below_declared_standards,
        coalesce(standard_counts.products_without_standard, 0) as products_without_standard,
        coalesce(standard_violation_counts.standard_violations_y3, 0) as standard_violations_y3
    from enterprises
    left join standard_counts on enterprises.uscc = standard_counts.uscc
    left join standard_violation_counts on enterprises.uscc = standard_violation_counts.uscc

)

select * from final
