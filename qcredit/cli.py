"""qcredit: land agency deliveries, grade enterprises' quality credit A-D, publish the exports of a date.

Each subcommand is one call into the package, the same ones the nightly DAG makes. Arguments are checked before
anything is written: a refusal is one line saying what was expected, with exit status 2.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date
from pathlib import Path

from qcredit import __version__
from qcredit.progress import Progress

REFUSED = 2  # exit status of a refused argument (argparse's own)
FAILED = 1  # exit status of a run that could not complete, or completed with a broken feed declaration
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Refused(Exception):
    """An argument that cannot be used as given; the message says what was expected."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not argparse's usage block
        self.exit(REFUSED, f"{self.prog}: {message} (see {self.prog} --help)\n")


def iso_date(text: str) -> str:
    """A date written YYYY-MM-DD that exists on the calendar (no months, weeks or other formats)."""
    if not ISO_DATE.fullmatch(text):
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}")
    try:
        date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date on the calendar (expected YYYY-MM-DD)") from None
    return text


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number above 0, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a whole number above 0, got {value}")
    return value


def feed_file(text: str) -> str:
    """`<agency>/<file name>` as the inbox holds it."""
    agency, _, name = text.strip("/").partition("/")
    if not agency or not name or "/" in name:
        raise argparse.ArgumentTypeError(f"expected <agency>/<file name> as in the inbox, got {text!r}")
    return f"{agency}/{name}"


def _add_home(p: argparse.ArgumentParser) -> None:
    p.add_argument("--home", type=Path, metavar="DIR",
                   help="the qcredit home: lake, warehouse, exports, logs (default: $QCREDIT_HOME, then the demo "
                        "home); a new home is created only in an empty or missing folder whose parent exists")


def _add_inbox(p: argparse.ArgumentParser) -> None:
    p.add_argument("--inbox", type=Path, metavar="DIR",
                   help="the agency drop, <inbox>/<agency>/<dataset>_<YYYYMMDD>[_NN].<ext> "
                        "(default: $QCREDIT_INBOX, then the demo inbox)")


def _add_as_of(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--as-of", dest="as_of", type=iso_date, metavar="YYYY-MM-DD",
                   help=f"{what} (default: today in Asia/Shanghai)")
    p.add_argument("--allow-future", action="store_true",
                   help="accept an --as-of after today in Asia/Shanghai (refused otherwise: it would grade "
                        "deliveries that cannot exist yet)")


def _add_quiet(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quiet", action="store_true",
                   help="no progress and no report on the terminal (for cron); errors still go to stderr")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="qcredit", description=__doc__)
    parser.add_argument("--version", action="version", version=f"qcredit {__version__}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("run", help="land, grade (dbt build) and publish the exports of one as-of date",
                       description="Land every delivery dated on or before --as-of, grade as of that date and "
                                   "write its exports with run_summary.json and files_needing_attention.csv.")
    _add_inbox(p), _add_home(p), _add_as_of(p, "the date to grade as of"), _add_quiet(p)

    p = sub.add_parser("ingest", help="land every delivery dated on or before --as-of, without grading",
                       description="Land deliveries into the lake and print a per-file table.")
    _add_inbox(p), _add_home(p), _add_as_of(p, "land the deliveries dated on or before this day"), _add_quiet(p)
    p.add_argument("--json", action="store_true", help="print the per-file results as JSON instead of a table")

    p = sub.add_parser("export", help="write the exports of an already graded as-of date again",
                       description="Publish the exports of a date the warehouse has graded (qcredit run).")
    _add_home(p), _add_as_of(p, "the graded date to publish"), _add_quiet(p)

    for action, text in (("release", "land a held snapshot after review; the next run grades with it"),
                         ("reject", "reject a held snapshot for good after review")):
        p = sub.add_parser(action, help=text, description=f"{text[0].upper()}{text[1:]}. Who, when and why "
                                                          "are recorded in the file's manifest entry.")
        p.add_argument("file", type=feed_file, metavar="AGENCY/FILE",
                       help="the held file as the inbox holds it, e.g. quality/enterprises_20261119.csv")
        p.add_argument("--reason", required=True, metavar="TEXT", help="why (kept in the manifest entry)")
        p.add_argument("--by", metavar="NAME", help="who decided (default: the logged-in user)")
        _add_home(p)
        if action == "release":
            _add_inbox(p)

    p = sub.add_parser("generate", help="write a synthetic multi-year agency drop",
                       description="Write a deterministic synthetic drop (every declared feed) for tests, "
                                   "demos and benchmarks.")
    p.add_argument("--enterprises", type=positive_int, required=True, metavar="N",
                   help="how many enterprises the drop describes (above 0)")
    p.add_argument("--as-of", dest="as_of", type=iso_date, required=True, metavar="YYYY-MM-DD",
                   help="the last delivery day of the drop")
    p.add_argument("--allow-future", action="store_true", help="accept an --as-of after today in Asia/Shanghai")
    p.add_argument("--seed", type=int, default=1, metavar="N",
                   help="random seed: the same seed gives the same files (default 1)")
    p.add_argument("--out", type=Path, required=True, metavar="DIR",
                   help="the folder to write the drop into (an inbox); its parent must exist")
    p.add_argument("--years", type=positive_int, default=3, metavar="N", help="years of history before --as-of "
                                                                             "(default 3)")
    p.add_argument("--since", type=iso_date, metavar="YYYY-MM-DD",
                   help="write only the files dated on or after this day (a nightly increment)")
    _add_quiet(p)

    p = sub.add_parser("demo", help="generate the demo drop and grade it through Airflow (the main job)",
                       description="Generate the demo drop into <home>/inbox and run nightly_regrade for it "
                                   "through Airflow, then print the summary.")
    p.add_argument("--enterprises", type=positive_int, default=2000, metavar="N",
                   help="enterprises in the demo drop (default 2000)")
    p.add_argument("--as-of", dest="as_of", type=iso_date, default="2026-11-20", metavar="YYYY-MM-DD",
                   help="the demo's as-of date (default 2026-11-20)")
    p.add_argument("--home", type=Path, metavar="DIR", help="the demo home (default: demo_home/ in the project)")

    _add_service_commands(sub)

    from qcredit.airflow_deploy import add_parser as add_airflow_parser  # `qcredit airflow up|down|standalone`

    add_airflow_parser(sub)
    return parser


def _add_service_commands(sub: argparse._SubParsersAction) -> None:
    """`qcredit serve` and `qcredit user ...` (the credit information service, qcredit/service/)."""
    p = sub.add_parser("serve", help="serve the published dates of a home (public lists, credit files, API)")
    p.add_argument("--home", type=Path, help="the home whose exports are served (default: $QCREDIT_HOME, demo)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    p.add_argument("--workers", type=positive_int, default=None,
                   help="server processes (default: the CPUs, at most 4), sharing the service's DuckDB memory")
    p = sub.add_parser("user", help="the service's users: add, token, revoke")
    users = p.add_subparsers(dest="user_command", required=True)
    u = users.add_parser("add", help="create a user; the password is read from standard input")
    u.add_argument("name", help="the user's login name")
    u.add_argument("--role", required=True, choices=["risk_officer", "reviewer", "admin"],
                   help="risk_officer or reviewer (internal pages of their province), admin (also users, audit)")
    u.add_argument("--province", required=True, help="two-digit province code (e.g. 33) or 'all'")
    u.add_argument("--home", type=Path, help="the home whose service holds the user (default: $QCREDIT_HOME, demo)")
    u = users.add_parser("token", help="print a new API token for a user (shown once)")
    u.add_argument("name", help="the user's login name")
    u.add_argument("--home", type=Path, help="the home whose service holds the user (default: $QCREDIT_HOME, demo)")
    u = users.add_parser("revoke", help="end a user's sessions and tokens and disable the account")
    u.add_argument("name", help="the user's login name")
    u.add_argument("--home", type=Path, help="the home whose service holds the user (default: $QCREDIT_HOME, demo)")


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit status (0 done, 1 failed, 2 refused: nothing written)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:  # --help, --version, or an argument refused by the parser
        return stop.code if isinstance(stop.code, int) else REFUSED
    try:
        _check_arguments(args)
    except Refused as refusal:
        print(f"qcredit {args.command}: {refusal}", file=sys.stderr)
        return REFUSED
    try:
        return _dispatch(args)
    except Exception as exc:  # a one-line reason, as OUTPUTS.md asks; the traceback goes to the log
        from qcredit.logs import log_exception

        where = log_exception(exc, _log_home(args))
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        print(f"qcredit {args.command}: failed: {reason} (details: {where})", file=sys.stderr)
        return FAILED


def _log_home(args: argparse.Namespace) -> Path:
    """Where a failure's traceback goes: the command's home, or for `generate` (which has none) the system's
    temporary folder, never the demo home."""
    if args.command == "generate":
        import tempfile

        return Path(tempfile.gettempdir()) / "qcredit-generate"
    return args.home


# -- checks before anything is written -------------------------------------------------------------------


# The commands whose dates, homes and inboxes are checked here; another command checks its own.
CHECKED_COMMANDS = ("run", "ingest", "export", "release", "reject", "generate", "demo")


def _check_arguments(args: argparse.Namespace) -> None:
    from qcredit import settings

    if args.command not in CHECKED_COMMANDS:
        return
    if getattr(args, "as_of", None) is None and hasattr(args, "allow_future"):
        args.as_of = _today()
    if hasattr(args, "allow_future") and args.as_of > _today() and not args.allow_future:
        raise Refused(f"--as-of {args.as_of} is after today ({_today()} in {settings.TIMEZONE}): expected a "
                      "date up to today, or --allow-future to grade a future date on purpose")
    if args.command == "generate":
        if args.since and args.since > args.as_of:
            raise Refused(f"--since {args.since} is after --as-of {args.as_of}: expected a day up to --as-of")
        if not args.out.resolve().parent.is_dir():
            raise Refused(f"--out {args.out}: its parent folder does not exist (expected a folder to write into)")
        return
    if args.command == "demo":
        args.home = args.home and _checked_home(settings.home_dir(args.home), may_create=True)
        return
    if hasattr(args, "inbox") and args.command != "release":
        args.inbox = settings.inbox_dir(args.inbox)
        if not args.inbox.is_dir():
            raise Refused(f"no inbox folder at {args.inbox} (expected the agency drop: "
                          "<inbox>/<agency>/<dataset>_<YYYYMMDD>.<ext>)")
    new_home_allowed = args.command in ("run", "ingest")
    args.home = _checked_home(settings.home_dir(args.home), may_create=new_home_allowed)
    if args.command == "release":
        args.inbox = settings.inbox_dir(args.inbox)
    if new_home_allowed and not _is_home(args.home) and not _has_deliveries(args.inbox):
        raise Refused(f"the inbox {args.inbox} holds no delivery of a declared feed (expected "
                      "<agency>/<dataset>_<YYYYMMDD>[_NN].<ext>): nothing to land in the new home "
                      f"{args.home}")


def _checked_home(home: Path, may_create: bool) -> Path:
    from qcredit.homes import HomeState, state

    found = state(home)
    if found is HomeState.HOME or (found is HomeState.NEW and may_create):
        return home
    if found is HomeState.NEW:
        raise Refused(f"no qcredit home at {home} (expected a home a run has written: run `qcredit run` first)")
    if found is HomeState.NO_PARENT:
        raise Refused(f"--home {home}: its parent folder {home.parent} does not exist (expected an existing "
                      "home, or a new one under an existing folder)")
    raise Refused(f"--home {home} is {found.value} (expected a qcredit home, holding .qcredit-home or lake/, "
                  "or an empty or missing folder for a new one)")


def _is_home(home: Path) -> bool:
    from qcredit.homes import HomeState, state

    return state(home) is HomeState.HOME


def _has_deliveries(inbox: Path) -> bool:
    from ingest import land, registry

    return any(land.deliveries(feed, inbox) for feed in registry.load_registry().values())


def _today() -> str:
    from qcredit import pipeline

    return pipeline.resolve_as_of(None)


# -- the commands ----------------------------------------------------------------------------------------


def _dispatch(args: argparse.Namespace) -> int:
    from qcredit import pipeline, progress

    shown = progress.for_command(getattr(args, "quiet", False))
    with shown:
        if args.command == "ingest":
            with pipeline.home_lock(args.home, "qcredit ingest"):
                result = pipeline.step("ingest", pipeline.ingest, args.inbox, args.home, args.as_of, None, shown)
            shown.close()
            if not args.quiet:
                from ingest import land

                print(json.dumps(result, ensure_ascii=False, indent=1, default=str) if args.json
                      else land.format_summary(result))
            return _broken_declarations_status()
        if args.command == "run":
            summary = pipeline.run(args.inbox, args.home, args.as_of, progress=shown)
            shown.close()
            if not args.quiet:
                print(pipeline.describe_run(summary))
            return _broken_declarations_status()
        if args.command == "export":
            result = pipeline.step("export", pipeline.export, args.home, args.as_of)
            if not args.quiet:
                print(f"exports written to {result['folder']}")
            return 0
        if args.command in ("release", "reject"):
            from ingest.land import NotHeld

            try:
                return _review(args)
            except NotHeld as refusal:
                print(f"qcredit {args.command}: {refusal}", file=sys.stderr)
                return REFUSED
        if args.command == "generate":
            return _generate(args, shown)
        if args.command == "demo":
            from qcredit import homes, settings
            from qcredit.demo import main as demo_main

            homes.mark(settings.home_dir(args.home or settings.DEMO_HOME))  # before its drop lands in <home>/inbox
            return demo_main(args.enterprises, args.as_of, args.home)
    if args.command in ("serve", "user"):
        return _dispatch_service(args)
    if args.command == "airflow":
        from qcredit.airflow_deploy import main as airflow_main

        return airflow_main(args)
    raise AssertionError(args.command)


def _broken_declarations_status() -> int:
    """Feeds with a broken declaration did not land (the others did): named on stderr, exit status 1."""
    from qcredit import pipeline

    broken = pipeline.broken_declaration_lines()
    for line in broken:
        print(line, file=sys.stderr)
    return FAILED if broken else 0


def _review(args: argparse.Namespace) -> int:
    import getpass

    from ingest import land
    from qcredit import pipeline

    by = args.by or getpass.getuser()
    # A review writes the lake and its manifest, as landing does: never beside a run on the same home.
    with pipeline.home_lock(args.home, f"qcredit {args.command} {args.file}"):
        if args.command == "release":
            entry = land.release_held(args.home, args.inbox, args.file, args.reason, by)
        else:
            land.reject_held(args.home, args.file, args.reason, by)
    if args.command == "release":
        print(f"released {args.file}: {entry['rows_loaded']} rows landed, {entry['rows_quarantined']} quarantined; "
              "the next run grades with it")
    else:
        print(f"rejected {args.file} for good")
    return 0


def _generate(args: argparse.Namespace, shown: Progress) -> int:
    from qcredit.synthetic.drop import generate

    stats = generate(args.enterprises, args.as_of, args.seed, args.out, years=args.years, since=args.since,
                     progress=shown)
    shown.close()  # the live display ends before the statistics are printed
    if not args.quiet:
        print(json.dumps(stats, ensure_ascii=False))
    return 0


def _dispatch_service(args: argparse.Namespace) -> int:
    from qcredit.service import commands

    if args.command == "serve":
        return commands.serve(args.home, args.host, args.port, args.workers or commands.DEFAULT_WORKERS)
    if args.user_command == "add":
        return commands.user_add(args.home, args.name, args.role, args.province)
    if args.user_command == "token":
        commands.user_token(args.home, args.name)
        return 0
    return commands.user_revoke(args.home, args.name)


if __name__ == "__main__":
    sys.exit(main())
