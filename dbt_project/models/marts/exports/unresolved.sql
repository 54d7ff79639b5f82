-- unresolved.csv (internal): rows whose identifier matched no graded enterprise at T, with the reason.
with

unresolved_records as (

    select * from {{ ref('fct_unresolved_records') }}

),

final as (

    select
        agency,
        dataset,
        file,
        line,
        identifier,
        reason,
        ruleset_version
    from unresolved_records

)

select * from final
