"""Printing results: rich tables on a terminal by default, JSON for scripts (`--output json`)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from roost.clock import iso_millis


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso_millis(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def console() -> Console:
    # Piped output (a file, grep, a test) gets wide tables rather than cells wrapped at 80 columns.
    return Console(soft_wrap=False, width=None if sys.stdout.isatty() else 240)


def emit(
    rows: Sequence[dict[str, Any]] | dict[str, Any],
    *,
    output: str,
    columns: Sequence[str] | None = None,
    title: str | None = None,
) -> None:
    """Print rows as a table (columns in order) or as JSON."""
    if output == "json":
        click.echo(json.dumps(_plain(rows), indent=2, sort_keys=False, default=str))
        return
    if isinstance(rows, dict):
        rows = [{"field": k, "value": v} for k, v in rows.items()]
        columns = ["field", "value"]
    columns = list(columns or (list(rows[0]) if rows else []))
    table = Table(title=escape(title) if title else None, show_lines=False, header_style="bold")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    out = console()
    if not rows:
        out.print(f"[dim]{escape(title) + ': ' if title else ''}nothing to show[/dim]")
        return
    out.print(table)


def _cell(value: Any) -> str:
    """A cell's text, with rich's markup escaped: names and tags come from the account, not from roost."""
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return escape(json.dumps(value, sort_keys=True))
    return escape(str(value))


def fail(message: str) -> None:
    """One clear error line on stderr, exit status 1; never a traceback."""
    click.echo(f"roost: {message}", err=True)
    sys.exit(1)
