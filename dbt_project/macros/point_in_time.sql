{#-
    Point-in-time state at T of a lake table (ARCHITECTURE.md section 2), read through its staging model.

    snapshot_as_of: the whole latest delivery (delivery_date, then delivery_seq) dated on or before T, found
                    from the lake's files (an empty delivery is an empty state).
    events_as_of:   per key, the row from the latest such delivery (the last line of it on a tie).
-#}

{% macro snapshot_as_of(relation, agency, lake_table) -%}
    select delivered.*
    from {{ relation }} as delivered
    inner join (
        select delivery_date, delivery_seq
        from {{ ref('stg_lake__deliveries') }}
        where agency = '{{ agency }}'
            and lake_table = '{{ lake_table }}'
            and delivery_date <= {{ as_of_date() }}
        order by delivery_date desc, delivery_seq desc
        limit 1
    ) as latest_delivery
        on delivered.delivery_date = latest_delivery.delivery_date
        and delivered.delivery_seq = latest_delivery.delivery_seq
{%- endmacro %}

{% macro events_as_of(relation, key_columns) -%}
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by delivery_date desc, delivery_seq desc, source_line desc
            ) as version_rank
        from {{ relation }}
        where delivery_date <= {{ as_of_date() }}
    ) as versions
    where version_rank = 1
{%- endmacro %}
