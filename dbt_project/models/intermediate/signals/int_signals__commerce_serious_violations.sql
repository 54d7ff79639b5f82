-- commerce_serious at T: one row per entry of the serious illegal and dishonest list (严重违法失信名单) in force at
-- T; the record is the entry's listing date (the list's key is the enterprise and that date).
with

serious_violations as (

    select * from {{ ref('int_commerce_serious_violations_as_of') }}

),

final as (

    select {{ evidence_columns('commerce_serious', 'listed_on', 'listed_on', code_column='signal') }}
    from serious_violations
    where is_listed_at_as_of and uscc is not null

)

select * from final
