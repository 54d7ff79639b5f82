-- commerce_abnormal at T: one row per entry of the abnormal operations list (经营异常名录) in force at T; the
-- record is the entry's listing date (the list's key is the enterprise and that date).
with

abnormal_operations as (

    select * from {{ ref('int_commerce_abnormal_operations_as_of') }}

),

final as (

    select {{ evidence_columns('commerce_abnormal', 'listed_on', 'listed_on', code_column='signal') }}
    from abnormal_operations
    where is_listed_at_as_of and uscc is not null

)

select * from final
