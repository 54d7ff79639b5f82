-- Cross-agency signals per graded enterprise at T: one flag per signal, the `;`-joined signal names and whether
-- the enterprise is untrustworthy per other agencies (bank_npl, tax_d, commerce_serious or customs_untrusted).
with

enterprises as (

    select * from {{ ref('int_graded_enterprises') }}

),

signals as (

    select * from {{ ref('int_enterprise_signals') }}

),

signals_per_enterprise as (

    select
        uscc,
        {{ sorted_code_list('signal') }} as signals,
        max(case when signal = 'bank_npl' then 1 else 0 end) as bank_npl,
        max(case when signal = 'bank_watch' then 1 else 0 end) as bank_watch,
        max(case when signal = 'tax_d' then 1 else 0 end) as tax_d,
        max(case when signal = 'tax_c' then 1 else 0 end) as tax_c,
        max(case when signal = 'commerce_abnormal' then 1 else 0 end) as commerce_abnormal,
        max(case when signal = 'commerce_serious' then 1 else 0 end) as commerce_serious,
        max(case when signal = 'customs_untrusted' then 1 else 0 end) as customs_untrusted
    from (select distinct uscc, signal from signals) as distinct_signals
    group by uscc

),

final as (

    select
        enterprises.uscc,
        coalesce(signals_per_enterprise.signals, '') as signals,
        coalesce(signals_per_enterprise.bank_npl, 0) = 1 as has_bank_npl,
        coalesce(signals_per_enterprise.bank_watch, 0) = 1 as has_bank_watch,
        coalesce(signals_per_enterprise.tax_d, 0) = 1 as has_tax_d,
        coalesce(signals_per_enterprise.tax_c, 0) = 1 as has_tax_c,
        coalesce(signals_per_enterprise.commerce_abnormal, 0) = 1 as has_commerce_abnormal,
        coalesce(signals_per_enterprise.commerce_serious, 0) = 1 as has_commerce_serious,
        coalesce(signals_per_enterprise.customs_untrusted, 0) = 1 as has_customs_untrusted,
        coalesce(
            signals_per_enterprise.bank_npl + signals_per_enterprise.tax_d
            + signals_per_enterprise.commerce_serious + signals_per_enterprise.customs_untrusted,
            0
        ) > 0 as is_untrustworthy_elsewhere
    from enterprises
    left join signals_per_enterprise on enterprises.uscc = signals_per_enterprise.uscc

)

select * from final
