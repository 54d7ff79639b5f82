-- The quality credit level of every graded enterprise at T (RULES.md "Assignment"): D if any D code holds, else C
-- if any C code holds, else A if every A criterion holds, else B with the failing A then B codes as reasons;
-- provisional when a B code fails. Reasons are sorted codes joined by `;`.
-- depends_on: {{ ref('grading_policy') }}
with

enterprises as (

    select * from {{ ref('int_graded_enterprises') }}

),

criterion_hits as (

    select * from {{ ref('int_criterion_hits') }}

),

signals as (

    select * from {{ ref('fct_cross_agency_signals') }}

),

distinct_hits as (

    select distinct uscc, reason_group, code
    from criterion_hits

),

reasons_per_group as (

    select
        uscc,
        reason_group,
        {{ sorted_code_list('code') }} as reasons,
        max(case when code like 'B.%' then 1 else 0 end) as has_failing_b_code
    from distinct_hits
    group by uscc, reason_group

),

levelled as (

    select
        enterprises.uscc,
        coalesce(d_hits.reason_group, c_hits.reason_group, b_hits.reason_group, 'A') as level,
        coalesce(d_hits.reasons, c_hits.reasons, b_hits.reasons, '') as reasons,
        d_hits.uscc is null and c_hits.uscc is null and coalesce(b_hits.has_failing_b_code, 0) = 1
            as is_provisional
    from enterprises
    left join reasons_per_group as d_hits
        on enterprises.uscc = d_hits.uscc and d_hits.reason_group = 'D'
    left join reasons_per_group as c_hits
        on enterprises.uscc = c_hits.uscc and c_hits.reason_group = 'C'
    left join reasons_per_group as b_hits
        on enterprises.uscc = b_hits.uscc and b_hits.reason_group = 'B'

),

final as (

    select
        enterprises.uscc,
        enterprises.name,
        enterprises.region_code,
        {{ as_of_date() }} as as_of,
        levelled.level,
        levelled.is_provisional,
        levelled.reasons,
        signals.signals,
        signals.is_untrustworthy_elsewhere,
        enterprises.is_exporter,
        enterprises.is_registry_unmatched,
        {{ policy_text('ruleset_version') }} as ruleset_version
    from enterprises
    inner join levelled on enterprises.uscc = levelled.uscc
    inner join signals on enterprises.uscc = signals.uscc

)

select * from final
