"""`qcredit`: the command line. Each subcommand is one call into the package, the same ones the DAG makes."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _add_paths(p: argparse.ArgumentParser) -> None:
    p.add_argument("--inbox", type=Path, help="agency drop (default: $QCREDIT_INBOX, then the demo inbox)")
    p.add_argument("--home", type=Path, help="lake, warehouse, exports (default: $QCREDIT_HOME, then demo)")
    p.add_argument("--as-of", dest="as_of", help="grade as of YYYY-MM-DD (default: today, Asia/Shanghai)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qcredit", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="land every delivery dated on or before --as-of into the lake")
    _add_paths(p)
    p.add_argument("--json", action="store_true", help="print the per-file summary as JSON")

    p = sub.add_parser("run", help="ingest, grade (dbt build) and write the exports of one as-of date")
    _add_paths(p)

    p = sub.add_parser("export", help="write the exports of an already graded as-of date")
    _add_paths(p)

    p = sub.add_parser("generate", help="write a synthetic multi-year agency drop")
    p.add_argument("--enterprises", type=int, required=True)
    p.add_argument("--as-of", dest="as_of", required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--years", type=int, default=3, help="years of history before --as-of")
    p.add_argument("--since", help="write only the files dated on or after this day (a nightly increment)")

    p = sub.add_parser("demo", help="generate the demo drop and grade it through Airflow (the main job)")
    p.add_argument("--enterprises", type=int, default=2000)
    p.add_argument("--as-of", dest="as_of", default="2026-11-20")
    p.add_argument("--home", type=Path)

    from qcredit.airflow_deploy import add_parser as add_airflow_parser  # `qcredit airflow up|down|standalone`

    add_airflow_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except Exception as exc:  # a one-line reason, as OUTPUTS.md asks; the traceback goes to the log
        from qcredit.logs import log_exception

        where = log_exception(exc, getattr(args, "home", None))
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        print(f"qcredit {args.command}: failed: {reason} (details: {where})", file=sys.stderr)
        return 1


def _dispatch(args: argparse.Namespace) -> int:
    from qcredit import pipeline

    if args.command == "ingest":
        result = pipeline.ingest_command(args.inbox, args.home, args.as_of)
        if args.json:
            print(json.dumps(result, ensure_ascii=False, indent=1, default=str))
        return 0
    if args.command == "run":
        summary = pipeline.run(args.inbox, args.home, args.as_of)
        print(pipeline.describe_run(summary))
        return 0
    if args.command == "export":
        pipeline.export_command(args.home, args.as_of)
        return 0
    if args.command == "generate":
        from qcredit.synthetic.drop import generate

        stats = generate(args.enterprises, args.as_of, args.seed, args.out, years=args.years, since=args.since)
        print(json.dumps(stats, ensure_ascii=False))
        return 0
    if args.command == "demo":
        from qcredit.demo import main as demo_main

        return demo_main(args.enterprises, args.as_of, args.home)
    if args.command == "airflow":
        from qcredit.airflow_deploy import main as airflow_main

        return airflow_main(args)
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
