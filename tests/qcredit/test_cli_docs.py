"""docs/cli.md is the operator's reference: it names every subcommand and every option the parser has, and
every option has help text."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

from qcredit.cli import build_parser

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def commands(parser: argparse.ArgumentParser,
             prefix: str = "qcredit") -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """(command path, its parser) for the top level and every subcommand, nested ones included."""
    yield prefix, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, f"{prefix} {name}")


def options(parser: argparse.ArgumentParser) -> Iterator[argparse.Action]:
    for action in parser._actions:
        if action.option_strings and not isinstance(action, argparse._HelpAction):
            yield action


def test_every_subcommand_and_option_is_in_docs_cli_md() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [path for path, _ in commands(build_parser()) if f"`{path}" not in text]
    missing += [f"{path} {flag}" for path, parser in commands(build_parser()) for action in options(parser)
                for flag in action.option_strings if flag.startswith("--") and f"`{flag}" not in text]
    assert not missing, f"docs/cli.md does not mention: {missing}"


def test_every_option_and_subcommand_has_help() -> None:
    undocumented = [f"{path} {action.option_strings[0]}" for path, parser in commands(build_parser())
                    for action in options(parser) if not action.help]
    for path, parser in commands(build_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                undocumented += [f"{path} {choice.dest}" for choice in action._choices_actions if not choice.help]
    assert not undocumented
