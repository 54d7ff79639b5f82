-- criterion_evidence.csv (internal): one row per (enterprise, C/D reason code or signal, delivered record behind
-- it), exactly the columns OUTPUTS.md lists; title is the code's Chinese meaning from the criteria seed.
with

criterion_evidence as (

    select * from {{ ref('fct_criterion_evidence') }}

),

final as (

    select
        uscc,
        name,
        region_code,
        as_of,
        code,
        title,
        dataset,
        record_id,
        event_date,
        source_file,
        source_line,
        delivery_id
    from criterion_evidence

)

select * from final
