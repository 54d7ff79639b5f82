-- Enterprises whose level at T differs from their level at the latest earlier as-of date kept in level_history.
with

levels as (

    select * from {{ ref('fct_enterprise_levels') }}

),

level_history as (

    select * from {{ ref('level_history') }}

),

earlier_levels as (

    select
        uscc,
        as_of,
        level,
        row_number() over (partition by uscc order by as_of desc) as recency_rank
    from level_history
    where as_of < {{ as_of_date() }}

),

previous_level as (

    select * from earlier_levels where recency_rank = 1

),

final as (

    select
        levels.uscc,
        previous_level.as_of as previous_as_of,
        previous_level.level as previous_level,
        levels.level,
        levels.name,
        levels.region_code,
        levels.ruleset_version
    from levels
    inner join previous_level on levels.uscc = previous_level.uscc
    where levels.level <> previous_level.level

)

select * from final
