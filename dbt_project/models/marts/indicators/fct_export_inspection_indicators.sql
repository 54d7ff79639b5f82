-- Export inspection indicators per graded enterprise at T (exporters and anyone with export inspections).
with

enterprises as (select * from {{ ref('int_graded_enterprises') }}),

export_inspections as (select * from {{ ref('int_export_inspections_as_of') }}),

inspection_counts as (

    select
        uscc,
        count(*) as export_inspections_y1,
        sum(case when not passed then 1 else 0 end) as failed_export_inspections_y1,
        sum(case when declaration_result <> 'ok' or conformity_result <> 'ok' then 1 else 0 end)
            as nonconforming_export_inspections_y1,
        sum(case when declaration_result = 'serious' or conformity_result = 'serious' then 1 else 0 end)
            as serious_export_nonconformities_y1
    from export_inspections
    where is_within_y1
    group by uscc

),

final as (

    select
        enterprises.uscc,
        enterprises.is_exporter,
        coalesce(inspection_counts.export_inspections_y1, 0) as export_inspections_y1,
        coalesce(inspection_counts.failed_export_inspections_y1, 0) as failed_export_inspections_y1,
        coalesce(inspection_counts.nonconforming_export_inspections_y1, 0) as nonconforming_export_inspections_y1,
        coalesce(inspection_counts.serious_export_nonconformities_y1, 0) as serious_export_nonconformities_y1
    from enterprises
    left join inspection_counts on enterprises.uscc = inspection_counts.uscc

)

select * from final
