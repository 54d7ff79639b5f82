-- Every criterion hit of every graded enterprise at T: the union of the criteria models (one per input they
-- read), each row naming the record that makes the code hold. reason_group is where a hit pushes the level, the
-- code's `level` in the criteria seed: 'D' or 'C' for a D/C code that holds, 'B' for an A or B code that fails.
-- A code the seed lacks keeps a null reason_group and fails this model's tests.
{%- set criteria_models = [
    'int_criteria__enterprises',
    'int_criteria__inspections',
    'int_criteria__violations',
    'int_criteria__complaints',
    'int_criteria__accidents',
    'int_criteria__export_inspections',
    'int_criteria__licences',
    'int_criteria__standards',
    'int_criteria__production_stats',
] %}
with

enterprises as (

    select uscc from {{ ref('int_graded_enterprises') }}

),

criteria as (

    select code, level from {{ ref('criteria') }} where kind = 'reason'

),

hits as (

    {% for criteria_model in criteria_models %}
    select uscc, code, dataset, record_id, event_date, source_file, source_line, delivery_id
    from {{ ref(criteria_model) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

-- only graded enterprises get hits
final as (

    select
        hits.uscc,
        hits.code,
        criteria.level as reason_group,
        hits.dataset,
        hits.record_id,
        hits.event_date,
        hits.source_file,
        hits.source_line,
        hits.delivery_id
    from hits
    inner join enterprises on hits.uscc = enterprises.uscc
    left join criteria on hits.code = criteria.code

)

select * from final
