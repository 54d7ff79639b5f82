-- Evidence at T: for every graded enterprise, the delivered records behind each of its reason codes when it is C
-- or D (the codes of its level that hold) and behind each of its cross-agency signals; one row per (code,
-- record). Records are the rows of the point-in-time state the rules read, so a corrected record cites the
-- correcting delivery. title is the code's Chinese meaning from the criteria seed.
with

levels as (

    select * from {{ ref('fct_enterprise_levels') }}

),

criterion_hits as (

    select * from {{ ref('int_criterion_hits') }}

),

signals as (

    select * from {{ ref('int_enterprise_signals') }}

),

criteria as (

    select * from {{ ref('criteria') }}

),

reason_evidence as (

    select
        levels.uscc,
        criterion_hits.code,
        criterion_hits.dataset,
        criterion_hits.record_id,
        criterion_hits.event_date,
        criterion_hits.source_file,
        criterion_hits.source_line,
        criterion_hits.delivery_id
    from levels
    inner join criterion_hits
        on levels.uscc = criterion_hits.uscc
        and levels.level = criterion_hits.reason_group
    where levels.level in ('C', 'D')

),

signal_evidence as (

    select
        signals.uscc,
        signals.signal as code,
        signals.dataset,
        signals.record_id,
        signals.event_date,
        signals.source_file,
        signals.source_line,
        signals.delivery_id
    from signals
    semi join levels on signals.uscc = levels.uscc

),

evidence as (

    select * from reason_evidence
    union all
    select * from signal_evidence

),

final as (

    select
        levels.uscc,
        levels.name,
        levels.region_code,
        levels.as_of,
        evidence.code,
        criteria.title_zh as title,
        evidence.dataset,
        evidence.record_id,
        evidence.event_date,
        evidence.source_file,
        evidence.source_line,
        evidence.delivery_id
    from evidence
    inner join levels on evidence.uscc = levels.uscc
    left join criteria on evidence.code = criteria.code

)

select * from final
