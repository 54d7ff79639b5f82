-- Criteria read from the graded enterprise itself: its commerce registration revoked (D.1), established too
-- recently for A or B (A.1, B.1: an unknown establishment date is too recent). The cited record is the
-- registration row, or for the establishment date the row it came from (the registry's, else the archive's).
-- depends_on: {{ ref('grading_policy') }}
with

enterprises as (

    select * from {{ ref('int_graded_enterprises') }}

),

establishment as (

    select
        uscc,
        established_on,
        case when is_established_on_registered then registration_dataset else archive_dataset end as dataset,
        case when is_established_on_registered then registration_delivery_id else archive_delivery_id end
            as delivery_id,
        case when is_established_on_registered then registration_source_file else archive_source_file end
            as source_file,
        case when is_established_on_registered then registration_source_line else archive_source_line end
            as source_line
    from enterprises

),

d1_revoked_registration as (

    select
        uscc,
        'D.1' as code,
        registration_dataset as dataset,
        uscc as record_id,
        cast(null as date) as event_date,
        registration_source_file as source_file,
        registration_source_line as source_line,
        registration_delivery_id as delivery_id
    from enterprises
    where registration_status = 'revoked'

),

a1_established_under_a_years as (

    select uscc, 'A.1' as code, dataset, uscc as record_id, established_on as event_date,
        source_file, source_line, delivery_id
    from establishment
    where not coalesce(established_on <= {{ years_before_as_of('a_established_years') }}, false)

),

b1_established_under_b_years as (

    select uscc, 'B.1' as code, dataset, uscc as record_id, established_on as event_date,
        source_file, source_line, delivery_id
    from establishment
    where not coalesce(established_on <= {{ years_before_as_of('b_established_years') }}, false)

)

select * from d1_revoked_registration
union all select * from a1_established_under_a_years
union all select * from b1_established_under_b_years
