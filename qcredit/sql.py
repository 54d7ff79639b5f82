"""SQL text for what cannot be a bound parameter (a file path in COPY or ATTACH, a column name): escaped here
only, so a path or a name with a quote in it never changes the statement."""

from __future__ import annotations

from pathlib import Path


def string_literal(text: str | Path) -> str:
    """The inside of a SQL string literal: `'` doubled (a home path may contain one)."""
    return str(text).replace("'", "''")


def quoted(identifier: str) -> str:
    """A column or table name as a SQL identifier."""
    return '"' + identifier.replace('"', '""') + '"'
