-- "Latest production statistics": per enterprise, the production_stats row with the highest year <= year(T)
-- delivered on or before T.
with

production_stats as (

    select * from {{ ref('int_production_stats_as_of') }}

),

ranked as (

    select
        *,
        row_number() over (partition by uscc order by year desc, source_line desc) as year_rank
    from production_stats
    where uscc is not null

),

final as (

    select
        uscc,
        year,
        factory_pass_rate,
        supervision_test_pass_rate,
        agency,
        dataset,
        delivery_id,
        source_file,
        source_line
    from ranked
    where year_rank = 1

)

select * from final
