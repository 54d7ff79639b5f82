-- Cross-agency signals that hold at T, from the latest deliveries on or before T: the union of the signals models
-- (one per input they read), each row naming the record behind the signal. Signals never change the level.
{%- set signals_models = [
    'int_signals__bank_credit_reports',
    'int_signals__tax_credit',
    'int_signals__commerce_abnormal_operations',
    'int_signals__commerce_serious_violations',
    'int_signals__customs_credit',
] %}
with

signals as (

    {% for signals_model in signals_models %}
    select uscc, signal, dataset, record_id, event_date, source_file, source_line, delivery_id
    from {{ ref(signals_model) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from signals
