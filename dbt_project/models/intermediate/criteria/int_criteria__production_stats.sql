-- Criteria read from the latest production statistics (highest year <= year(T)): supervision test pass rate
-- under full (C.3), factory or supervision test pass rate not full or no statistics at all (A.3), factory pass
-- rate not full (B.3). The record is the statistics year.
-- depends_on: {{ ref('grading_policy') }}
with

latest_production_stats as (

    select * from {{ ref('int_production_stats_latest') }}

),

enterprises as (

    select uscc from {{ ref('int_graded_enterprises') }}

),

c3_supervision_test_pass_rate_below_full as (

    select {{ evidence_columns('C.3', 'year') }}
    from latest_production_stats
    where supervision_test_pass_rate < {{ policy('full_pass_rate') }}

),

-- nothing to cite: the feed holds no statistics for the enterprise
a3_no_production_stats as (

    select {{ evidence_columns_without_record('A.3', 'enterprises.uscc', 'quality/production_stats') }}
    from enterprises
    anti join latest_production_stats on enterprises.uscc = latest_production_stats.uscc

),

a3_pass_rate_below_full as (

    select {{ evidence_columns('A.3', 'year') }}
    from latest_production_stats
    where factory_pass_rate <> {{ policy('full_pass_rate') }}
        or supervision_test_pass_rate <> {{ policy('full_pass_rate') }}

),

b3_factory_pass_rate_below_full as (

    select {{ evidence_columns('B.3', 'year') }}
    from latest_production_stats
    where factory_pass_rate <> {{ policy('full_pass_rate') }}

)

select * from c3_supervision_test_pass_rate_below_full
union all select * from a3_no_production_stats
union all select * from a3_pass_rate_below_full
union all select * from b3_factory_pass_rate_below_full
