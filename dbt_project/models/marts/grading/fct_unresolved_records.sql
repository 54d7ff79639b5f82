-- Rows in the point-in-time state at T whose identifier matched no graded enterprise, with why: the reason ingest
-- recorded when the identifier resolved to no USCC, else whether the USCC is deregistered or not in the archive.
-- Nothing is dropped silently.
-- depends_on: {{ ref("grading_policy") }}
-- Built after int_criterion_hits, not beside it: each reads most of the state, and run side by side in dbt's two
-- threads at 1M they outgrew DuckDB's memory and spilled, 20 s each instead of 3 (bench/README.md).
-- depends_on: {{ ref("int_criterion_hits") }}
{%- set state_models = [
    'int_enterprises_as_of',
    'int_inspections_as_of',
    'int_violations_as_of',
    'int_complaints_as_of',
    'int_accidents_as_of',
    'int_licences_as_of',
    'int_production_stats_as_of',
    'int_standards_as_of',
    'int_export_inspections_as_of',
    'int_awards_as_of',
    'int_a_applications_as_of',
    'int_d_reviews_as_of',
    'int_bank_credit_reports_as_of',
    'int_tax_credit_as_of',
    'int_commerce_registrations_as_of',
    'int_commerce_abnormal_operations_as_of',
    'int_commerce_serious_violations_as_of',
    'int_customs_credit_as_of',
    'int_customs_registry_as_of',
] %}
with

graded_enterprises as (

    select * from {{ ref('int_graded_enterprises') }}

),

register as (

    select * from {{ ref('int_enterprises_as_of') }}

),

state_rows as (

    {% for state_model in state_models %}
    select agency, dataset, source_file, source_line, identifier, uscc, unresolved_reason
    from {{ ref(state_model) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

register_usccs as (

    select distinct uscc from register where uscc is not null

),

unmatched as (

    select
        state_rows.agency,
        state_rows.dataset,
        state_rows.source_file as file,
        state_rows.source_line as line,
        coalesce(state_rows.identifier, state_rows.uscc) as identifier,  -- state models keep it as the lake does
        case
            when state_rows.uscc is null
                then coalesce(state_rows.unresolved_reason, 'identifier matched no enterprise')
            when register_usccs.uscc is not null
                then 'deregistered in the commerce registry: not graded'
            else 'not in the quality archive'
        end as reason
    from state_rows
    left join graded_enterprises on state_rows.uscc = graded_enterprises.uscc
    left join register_usccs on state_rows.uscc = register_usccs.uscc
    where graded_enterprises.uscc is null

),

final as (

    select
        agency,
        dataset,
        file,
        line,
        identifier,
        reason,
        {{ policy_text('ruleset_version') }} as ruleset_version
    from unmatched

)

select * from final
