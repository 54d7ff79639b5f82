{#-
    The identity and delivery-stamp columns every lake table carries (ARCHITECTURE.md section 2), renamed the
    one way every staging model exposes them. `uscc` is kept as `landed_uscc`: the point-in-time models resolve
    the final USCC through the identity crosswalk at T.
-#}

{% macro lake_identity_and_stamps() -%}
        ---------- identity (ARCHITECTURE.md section 2)
        uscc as landed_uscc,
        coalesce(identifier, uscc) as identifier,  -- the lake keeps it only where it is not the USCC
        identifier_kind,
        unresolved_reason,
        ---------- delivery stamps
        _agency as agency,
        _dataset as dataset,
        _table as lake_table,
        _delivery_date as delivery_date,
        _delivery_seq as delivery_seq,
        _delivery_id as delivery_id,
        _source_file as source_file,
        _source_line as source_line
{%- endmacro %}

{#- The identity and trace columns every point-in-time model keeps after its own. `identifier` is kept as the lake
    keeps it, only where it is not the row's landed USCC (a legacy tax number, a customs code, a bad or unresolved
    identifier; on almost every row it is the USCC): written out again, that second copy of the USCC would
    be a large part of writing the largest models' tables. `coalesce(identifier, uscc)` restores it. delivery_id,
    source_file and source_line name the exact row version the state holds, which evidence cites. -#}
{% macro state_identity_and_trace() -%}
        nullif(identifier, landed_uscc) as identifier,
        identifier_kind,
        unresolved_reason,
        agency,
        dataset,
        delivery_id,
        source_file,
        source_line
{%- endmacro %}
