"""`roost`: the command-line entry point.

roost up                      start roost (the sandbox cloud when no account is configured)
roost sandbox                 run the sandbox cloud alone
roost record [--once]         record now (or continuously)
roost resources list|show|history|diff
roost recorder put|start|stop|delete|list
roost delivery-channel put|delete|list
roost status
roost functions deploy|list|show|invoke|logs|delete
roost remediation documents|put|list|delete|executions
roost remediate RULE RESOURCE_ID...
roost aggregators list|show|put|delete|compliance|resources|authorize|deauthorize|requests
roost packs deploy|list|show|delete|check
roost query "SELECT ..." [--aggregator NAME] [--as-of T] [--changed-between T1 T2] [-o table|json|csv]
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from roost.cli.context import CliContext
from roost.errors import RoostError
from roost.registry import UnknownNameError


class RoostGroup(click.Group):
    """Turns roost's own errors into one clear line instead of a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (RoostError, UnknownNameError) as exc:
            click.echo(f"roost: {exc}", err=True)
            sys.exit(1)


@click.group(cls=RoostGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Settings file (default: $ROOST_CONFIG or ./roost.toml).",
)
@click.option(
    "--db",
    "db_url",
    default=None,
    envvar="ROOST_DB",
    help="Store URL: sqlite:///PATH (default sqlite:///roost.db) or postgresql://...",
)
@click.option("--output", "-o", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--verbose", "-v", is_flag=True, help="Log what roost does.")
@click.version_option(package_name="roost")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, db_url: str | None, output: str, verbose: bool) -> None:
    """roost: a self-hosted AWS Config."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    context = CliContext(config_path=config_path, db_override=db_url, output=output)
    ctx.obj = context
    ctx.call_on_close(context.close)


def _register() -> None:
    from roost.cli import (
        aggregators,
        functions,
        packs,
        query,
        record,
        recorders,
        remediation,
        resources,
        rules,
        status,
        up,
    )

    for module in (
        up,
        record,
        resources,
        recorders,
        rules,
        status,
        functions,
        remediation,
        aggregators,
        packs,
        query,
    ):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main() -> None:
    cli(prog_name="roost")
