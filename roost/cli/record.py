"""`roost record`: record now, once or continuously."""

from __future__ import annotations

import sys

import click
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from roost.cli.context import CliContext
from roost.cli.output import emit, fail
from roost.cloud import CloudConnector
from roost.model import AccountRegion
from roost.recorder.recorder import PassResult, Recorder


def _sources(obj: CliContext, account: str | None, region: str | None) -> list[AccountRegion]:
    found = []
    for recorder in obj.store.recorders.list():
        if account and recorder.account_id != account:
            continue
        if region and recorder.region != region:
            continue
        if recorder.account_id not in {a.account_id for a in obj.settings.accounts}:
            continue
        found.append(recorder.source)
    return found


def _summary(result: PassResult) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for t in result.types:
        rows.append(
            {
                "source": str(result.source),
                "resource type": t.resource_type,
                "seen": t.seen,
                "items written": t.items_written,
                "errors": len(t.errors),
                "status": "failed" if t.failed else "ok",
            }
        )
    return rows


@click.command()
@click.option("--once", is_flag=True, help="One pass over every recorder, then exit.")
@click.option("--type", "resource_types", multiple=True, metavar="TYPE", help="Only these resource types.")
@click.option("--account", default=None)
@click.option("--region", default=None)
@click.option(
    "--cloud-endpoint",
    default=None,
    metavar="URL",
    help="Record this AWS-compatible endpoint as the sandbox account 123456789012.",
)
@click.pass_obj
def record(
    obj: CliContext,
    once: bool,
    resource_types: tuple[str, ...],
    account: str | None,
    region: str | None,
    cloud_endpoint: str | None,
) -> None:
    """Record the configured accounts now: one pass (--once) or continuously."""
    if cloud_endpoint:
        regions = tuple(sorted({r.region for r in obj.store.recorders.list()} or {"us-east-1"}))
        obj.settings = obj.settings.with_sandbox_account(cloud_endpoint, regions)
    if not obj.settings.accounts:
        fail("no account configured: add one to roost.toml, pass --cloud-endpoint URL, or run `roost up`")
    sources = _sources(obj, account, region)
    if not sources:
        fail("no configuration recorder to run: create one with `roost recorder put` (or run `roost up`)")
    recorder = Recorder(
        obj.store,
        CloudConnector(obj.settings.accounts),
        batch_size=obj.settings.batch_size,
        discover_unrecorded=obj.settings.discover_unrecorded_types,
    )
    if not once:
        from roost.cli.up import _wait_for_interrupt
        from roost.recorder.loop import RecordingLoop

        running = []
        for source in sources:
            rec = obj.store.recorders.get(source)
            status = obj.store.recorders.status(source, rec.name) if rec else None
            if status is not None and status.recording:
                running.append(source)
        if not running:
            fail("no recorder is recording: start one with `roost recorder start` (needs a delivery channel)")
        sources = running
        loop = RecordingLoop(recorder, obj.settings)
        loop.start()
        click.echo(f"recording {', '.join(map(str, sources))} continuously; stop with Ctrl-C")
        try:
            _wait_for_interrupt()
        finally:
            loop.stop()
        return

    rows: list[dict[str, object]] = []
    failed = False
    interactive = sys.stderr.isatty() and obj.output == "table"
    for source in sources:
        wanted = list(resource_types) or None
        if interactive:
            with Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed} resources"),
                TimeElapsedColumn(),
                transient=False,
            ) as progress:
                tasks: dict[str, TaskID] = {}

                def on_progress(
                    resource_type: str,
                    seen: int,
                    tasks: dict[str, TaskID] = tasks,
                    progress: Progress = progress,
                    source: AccountRegion = source,
                ) -> None:
                    if resource_type not in tasks:
                        tasks[resource_type] = progress.add_task(f"{source} {resource_type}", total=None)
                    progress.update(tasks[resource_type], completed=seen)

                result = recorder.record_pass(source, resource_types=wanted, progress=on_progress)
                for task in tasks.values():
                    progress.update(
                        task,
                        total=progress.tasks[task].completed or 1,
                        completed=progress.tasks[task].completed or 1,
                    )
        else:
            result = recorder.record_pass(source, resource_types=wanted)
        rows.extend(_summary(result))
        if result.aborted is not None:
            failed = True
            click.echo(f"roost: {source}: {result.aborted.code}: {result.aborted.message}", err=True)
        for error in result.errors:
            where = error.resource_type + (f" {error.resource_id}" if error.resource_id else "")
            click.echo(f"roost: {source}: {where}: {error.error_code}: {error.error_message}", err=True)
    emit(rows, output=obj.output, title="recording pass")
    if failed:
        sys.exit(1)


COMMANDS = [record]
