"""A synthetic lake at national scale, written straight as Parquet with DuckDB, to time `dbt build`.

    python tests/dbt/synthetic_lake.py --home /tmp/qcredit_bench --enterprises 1000000 --as-of 2026-11-20

Rows are random but typed and laid out as ARCHITECTURE.md section 2 says: snapshot tables get one delivery,
event tables one delivery per month over three years (about 15 event rows per enterprise in all).
Identifiers are not valid USCCs: dbt does not check them, ingest does.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from lake_writer import ensure_empty_lake, find_table, table_schema  # noqa: E402

_TYPES = {
    "string": "varchar",
    "int64": "bigint",
    "double": "double",
    "date32[day]": "date",
    "bool": "boolean",
    "int32": "integer",
}

# per table: (rows per enterprise, select list producing the declared columns from n = row number, e = enterprise)
_EVENT_DATE = "date '{as_of}' - cast(floor(random() * 1095) as integer)"


def _tables(as_of: str) -> dict[str, tuple[float, str, str]]:
    ev = _EVENT_DATE.format(as_of=as_of)
    pick = "(list_value({values}))[1 + cast(floor(random() * {k}) as integer)]"

    def choose(*values: str) -> str:
        return pick.format(values=", ".join(f"'{v}'" for v in values), k=len(values))

    return {
        "quality/enterprises": (
            1,
            "snapshot",
            """
            uscc, 'E' || e as name, '3301' || lpad(cast(e % 100 as varchar), 2, '0') as region_code,
            date '2000-01-01' + cast(floor(random() * 9000) as integer) as established_on, 'C35' as industry,
            random() < 0.2 as is_exporter, null as legal_rep, null as phone, null as address""",
        ),
        "commerce/registry__registrations": (
            1,
            "snapshot",
            """
            uscc, null as registration_no, 'E' || e as name,
            date '2000-01-01' + cast(floor(random() * 9000) as integer) as established_on,
            case when random() < 0.01 then 'deregistered' when random() < 0.01 then 'revoked' else 'active' end
                as registration_status, null as registration_authority""",
        ),
        "commerce/registry__abnormal_operations": (
            0.05,
            "snapshot",
            f"""
            uscc, {ev} as listed_on, 'r' as listed_reason,
            case when random() < 0.5 then date '{as_of}' - 10 end as removed_on, null as removed_reason""",
        ),
        "commerce/registry__serious_violations": (
            0.01,
            "snapshot",
            f"""
            uscc, {ev} as listed_on, 'r' as listed_reason, null as removed_on""",
        ),
        "quality/inspections": (
            6,
            "events",
            f"""
            'I' || n as record_id, uscc,
            {choose("quality_spot_check", "metrology_spot_check", "supervision_check", "supervision_test")} as kind,
            'p' as product, {ev} as inspected_on,
            case when random() < 0.05 then 'fail' else 'pass' end as result,
            case when random() < 0.3 then 'serious' else 'general' end as severity""",
        ),
        "quality/violations": (
            1.5,
            "events",
            f"""
            'V' || n as record_id, uscc, {ev} as decided_on,
            {
                choose(
                    "quality",
                    "metrology",
                    "counterfeit",
                    "false_advertising",
                    "no_standard",
                    "below_standard",
                    "unlicensed",
                    "service_refusal",
                    "other",
                )
            } as category,
            {choose("none", "minor", "major", "severe")} as harm,
            {choose("warning", "fine", "confiscation", "production_halt", "licence_revoked")} as penalty,
            null as description""",
        ),
        "quality/complaints": (
            2,
            "events",
            f"""
            'C' || n as record_id, uscc,
            {choose("quality_complaint", "metrology_complaint", "claim", "return", "after_sales")} as kind,
            {ev} as received_on, random() < 0.5 as enterprise_liable,
            case when random() < 0.9 then {ev} end as resolved_on""",
        ),
        "quality/accidents": (
            0.3,
            "events",
            f"""
            'A' || n as record_id, uscc, {ev} as occurred_on, {choose("general", "major", "severe")} as severity,
            null as description""",
        ),
        "quality/export_inspections": (
            1.5,
            "events",
            f"""
            'X' || n as record_id, uscc, {ev} as inspected_on, {choose("ok", "ok", "general", "serious")}
                as declaration_result, {choose("ok", "ok", "ok", "serious")} as conformity_result,
            random() < 0.95 as passed""",
        ),
        "quality/production_stats": (
            1,
            "events",
            """
            uscc, 2023 + cast(n % 3 as bigint) as year,
            case when random() < 0.9 then 100.0 else 98.5 end as factory_pass_rate,
            case when random() < 0.5 then 100.0 end as supervision_test_pass_rate""",
        ),
        "quality/licences": (
            1,
            "snapshot",
            f"""
            'L' || n as licence_no, uscc, 'c' as product_category, date '2020-01-01' as issued_on,
            date '{as_of}' + cast(floor(random() * 1000) as integer) - 30 as expires_on,
            {choose("valid", "valid", "valid", "rectifying", "revoked", "cancelled")} as status,
            date '{as_of}' + cast(floor(random() * 60) as integer) - 30 as rectify_deadline""",
        ),
        "quality/standards": (
            1.5,
            "snapshot",
            f"""
            uscc, 'p' || n as product, 'GB' as standard_code,
            {choose("conforms", "conforms", "conforms", "below_declared", "none")} as conformance""",
        ),
        "quality/awards": (
            0.2,
            "snapshot",
            """
            'AW' || n as award_id, uscc, 'famous_brand' as kind, date '2022-01-01' as granted_on,
            date '2028-01-01' as expires_on, 'active' as status""",
        ),
        "quality/a_applications": (
            0.1,
            "events",
            f"""
            uscc, {ev} as applied_on, null as withdrawn_on, 'approved' as provincial_result,
            date '{as_of}' - 30 as evaluated_on, 'approved' as testing_unit_opinion""",
        ),
        "quality/d_reviews": (
            0.05,
            "events",
            f"""
            'R' || n as record_id, uscc, {ev} as reviewed_on, {choose("confirmed", "overturned")} as decision,
            null as reviewer, null as note""",
        ),
        "tax/tax_credit": (
            1,
            "events",
            f"""
            uscc as taxpayer_id, 'E' as taxpayer_name, 2023 + cast(n % 3 as bigint) as evaluation_year,
            {choose("A", "B", "M", "C", "D")} as tax_credit_level, date '{as_of}' - 200 as rated_on""",
        ),
        "bank/credit_report": (
            1,
            "snapshot",
            f"""
            uscc, date '{as_of}' - 20 as report_date,
            [{{'contract_id': 'L' || n, 'classification': {choose("pass", "pass", "special_mention", "substandard")},
              'balance': 1.0, 'overdue_days': 0}}] as loans""",
        ),
        "customs/customs_registry": (
            0.2,
            "snapshot",
            """
            lpad(cast(n as varchar), 10, '0') as customs_code, uscc""",
        ),
        "customs/customs_credit": (
            0.2,
            "snapshot",
            f"""
            lpad(cast(n as varchar), 10, '0') as customs_code, null as uscc, 'E' as enterprise_name,
            {choose("regular", "certified", "dishonest")} as credit_category, date '2026-01-01' as recognized_on""",
        ),
    }


def build(home: Path, enterprises: int, as_of: str) -> None:
    ensure_empty_lake(home)
    con = duckdb.connect()
    con.execute("set preserve_insertion_order = false")
    for table_id, (per_enterprise, mode, select_list) in _tables(as_of).items():
        table = find_table(table_id)
        schema = table_schema(table)
        rows = int(enterprises * per_enterprise)
        deliveries = 1 if mode == "snapshot" else 36
        declared = [c.name for c in table.columns]
        casts = ", ".join(
            f"cast({name} as {_TYPES.get(str(schema.field(name).type), 'varchar')}) as {name}"
            if name != "loans"
            else name
            for name in declared
        )
        identifier = table.identifier.column
        for d in range(deliveries):
            delivered = f"date '{as_of}' - {30 * (deliveries - 1 - d)}"
            first, last = rows * d // deliveries, rows * (d + 1) // deliveries
            if last <= first:
                continue
            delivery_id = con.sql(f"select strftime({delivered}, '%Y%m%d')").fetchall()[0][0] + "_00"
            folder = home / "lake" / table.agency / table.name / f"delivery={delivery_id}"
            folder.mkdir(parents=True, exist_ok=True)
            con.execute(f"""
                copy (
                    with numbered as (
                        select range as n, range % {enterprises} as e,
                            '91330000' || lpad(cast(range % {enterprises} as varchar), 10, '0') as uscc
                        from range({first}, {last})
                    ),
                    declared as (select {select_list} from numbered),
                    typed as (select {casts} from declared)
                    select typed.*,
                        {"" if "uscc" in declared else "typed." + identifier + " as uscc,"}
                        typed.{identifier} as identifier, 'uscc' as identifier_kind,
                        cast(null as varchar) as unresolved_reason,
                        '{table.agency}' as _agency, '{table.name.split("__")[0]}' as _dataset,
                        '{table.name}' as _table, {delivered} as _delivery_date, cast(0 as integer) as _delivery_seq,
                        '{delivery_id}' as _delivery_id,
                        '{table.agency}/{table.name}_{delivery_id}.csv' as _source_file,
                        cast(row_number() over () + 1 as integer) as _source_line, 'x' as _file_sha256
                    from typed
                ) to '{folder}/part-synthetic.parquet' (format parquet)
            """)
        print(f"{table_id}: {rows} rows in {deliveries} deliveries", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--as-of", dest="as_of", default="2026-11-20")
    args = parser.parse_args()
    build(args.home, args.enterprises, args.as_of)
    return 0


if __name__ == "__main__":
    sys.exit(main())
