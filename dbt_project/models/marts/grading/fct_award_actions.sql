-- Awards to act on at T: every active award (status active, expires_on empty or >= T) of a C-level enterprise is
-- suspended, of a D-level enterprise revoked.
with

levels as (

    select * from {{ ref('fct_enterprise_levels') }}

),

awards as (

    select * from {{ ref('int_awards_as_of') }}

),

active_awards as (

    select *
    from awards
    where status = 'active'
        and (expires_on is null or expires_on >= {{ as_of_date() }})

),

final as (

    select
        active_awards.award_id,
        active_awards.uscc,
        active_awards.kind,
        case levels.level when 'C' then 'suspend' when 'D' then 'revoke' end as action,
        levels.level,
        levels.name,
        levels.region_code,
        levels.ruleset_version
    from active_awards
    inner join levels on active_awards.uscc = levels.uscc
    where levels.level in ('C', 'D')

)

select * from final
