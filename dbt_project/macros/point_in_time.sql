{#-
    Point-in-time state at T of a lake table (ARCHITECTURE.md section 2), read through its staging model.

    snapshot_as_of: the whole latest delivery (delivery_date, then delivery_seq) dated on or before T, found
                    from the lake's files (an empty delivery is an empty state).
    events_as_of:   per key, the row from the latest such delivery (the last line of it on a tie);
                    `corrections_are_rare` ranks only the keys delivered more than once (same rows, faster
                    where few keys are ever corrected).
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

{#- 1 for a key's latest version: the latest delivery, the last line of it on a tie. -#}
{% macro version_rank(key_columns) -%}
    row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by delivery_date desc, delivery_seq desc, source_line desc
    )
{%- endmacro %}

{% macro events_as_of(relation, key_columns, corrections_are_rare=false) -%}
    {%- if not corrections_are_rare %}
    select *
    from (
        select
            *,
            {{ version_rank(key_columns) }} as version_rank
        from {{ relation }}
        where delivery_date <= {{ as_of_date() }}
    ) as versions
    where version_rank = 1
    {%- else -%}
    {#- Ranking every row is this macro's cost. Where most keys land in a single delivery (large event tables
        whose corrections are rare), keys seen once pass straight through and only the corrected keys go
        through the window; where most keys are corrected (complaints), counting first only adds work.
        Keys are counted by their hash, narrower than the key: a collision only sends a few more keys through
        the window, where they are still ranked correctly. The versions are read again for each use, not held:
        held (`as materialized`), a large event table's versions take more memory than the build can spare
        while another model runs beside it, so DuckDB spills, for no less CPU. -#}
    {%- set key_hash = 'hash(' ~ key_columns | join(', ') ~ ')' -%}
    with

    versions as not materialized (

        select
            *,
            {{ key_hash }} as key_hash
        from {{ relation }}
        where delivery_date <= {{ as_of_date() }}

    ),

    corrected_keys as (

        select key_hash
        from versions
        group by key_hash
        having count(*) > 1

    ),

    single_versions as (

        select
            versions.* exclude (key_hash),
            1::bigint as version_rank
        from versions
        anti join corrected_keys
            on versions.key_hash = corrected_keys.key_hash

    ),

    latest_corrected_versions as (

        select * exclude (key_hash)
        from (
            select
                versions.*,
                {{ version_rank(key_columns) }} as version_rank
            from versions
            semi join corrected_keys
                on versions.key_hash = corrected_keys.key_hash
        ) as corrected_versions
        where version_rank = 1

    )

    select * from single_versions
    union all
    select * from latest_corrected_versions
    {%- endif %}
{%- endmacro %}
