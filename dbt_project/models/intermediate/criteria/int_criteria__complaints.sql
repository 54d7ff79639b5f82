-- Criteria read from complaints, claims and returns at T: enterprise-liable ones received in Y1, and whether
-- each was resolved in time as seen at T.
with

complaints as (

    select * from {{ ref('int_complaints_as_of') }}

),

liable_in_y1 as (

    select * from complaints where enterprise_liable and is_within_y1

),

c6_quality_complaint_not_resolved_in_time as (

    select {{ evidence_columns('C.6', 'record_id', 'received_on') }}
    from liable_in_y1
    where is_quality_complaint_kind and is_not_resolved_in_time

),

c7_after_sales_not_resolved_in_time as (

    select {{ evidence_columns('C.7', 'record_id', 'received_on') }}
    from liable_in_y1
    where is_after_sales_kind and is_not_resolved_in_time

),

a5_quality_complaint as (

    select {{ evidence_columns('A.5', 'record_id', 'received_on') }}
    from liable_in_y1
    where is_quality_complaint_kind

),

a6_after_sales_complaint as (

    select {{ evidence_columns('A.6', 'record_id', 'received_on') }}
    from liable_in_y1
    where is_after_sales_kind

)

select * from c6_quality_complaint_not_resolved_in_time
union all select * from c7_after_sales_not_resolved_in_time
union all select * from a5_quality_complaint
union all select * from a6_after_sales_complaint
