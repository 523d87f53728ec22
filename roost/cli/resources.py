"""`roost resources list|show|history|diff`: what was recorded."""

from __future__ import annotations

from typing import Any

import click

from roost.cli.context import CliContext
from roost.cli.output import emit, fail
from roost.formats import diff_record, item_record
from roost.model import AccountRegion, ConfigurationItem, ResourceKey
from roost.recorder.diff import diff_states

source_options = [
    click.option("--account", default=None, help="Account id (default: the first configured one)."),
    click.option("--region", default=None, help="Region (default: the account's first region)."),
]


def with_source(f: Any) -> Any:
    for option in reversed(source_options):
        f = option(f)
    return f


@click.group()
def resources() -> None:
    """Recorded resources and their history."""


@resources.command("list")
@click.option("--type", "resource_type", default=None, metavar="TYPE", help="Only this resource type.")
@click.option("--include-deleted", is_flag=True, help="Also list deleted resources.")
@with_source
@click.pass_obj
def list_resources(
    obj: CliContext, resource_type: str | None, include_deleted: bool, account: str | None, region: str | None
) -> None:
    """Resources recorded in an account and region."""
    source = obj.source(account, region)
    found = obj.store.items.discovered(source, resource_type, include_deleted=include_deleted)
    rows = [
        {
            "resource type": r.resource_type,
            "resource id": r.resource_id,
            "name": r.resource_name,
            "status": r.status.value,
            "last change": r.last_capture_time,
        }
        for r in found
    ]
    emit(rows, output=obj.output, title=f"resources in {source}")


def _item_or_fail(
    obj: CliContext, source: AccountRegion, key: ResourceKey, state_id: int | None
) -> ConfigurationItem:
    if state_id is None:
        item = obj.store.items.latest_item(source, key)
    else:
        item = obj.store.items.item(source, key, state_id)
    if item is None:
        what = f"version {state_id} of " if state_id is not None else ""
        fail(f"no {what}{key.resource_type} {key.resource_id} recorded in {source}")
        raise AssertionError  # unreachable: fail() exits
    return item


@resources.command()
@click.argument("resource_type")
@click.argument("resource_id")
@click.option(
    "--version", "state_id", type=int, default=None, help="A configurationStateId (default: latest)."
)
@with_source
@click.pass_obj
def show(
    obj: CliContext,
    resource_type: str,
    resource_id: str,
    state_id: int | None,
    account: str | None,
    region: str | None,
) -> None:
    """One configuration item (the latest, or --version N), in AWS's record format."""
    source = obj.source(account, region)
    item = _item_or_fail(obj, source, ResourceKey(resource_type, resource_id), state_id)
    record = item_record(item)
    if obj.output == "json":
        emit(record, output="json")
        return
    emit({k: v for k, v in record.items()}, output="table", title=f"{resource_type} {resource_id}")


@resources.command()
@click.argument("resource_type")
@click.argument("resource_id")
@click.option("--limit", type=int, default=None, help="At most this many versions (newest first).")
@with_source
@click.pass_obj
def history(
    obj: CliContext,
    resource_type: str,
    resource_id: str,
    limit: int | None,
    account: str | None,
    region: str | None,
) -> None:
    """Every recorded version of a resource, newest first, with what changed."""
    source = obj.source(account, region)
    items = obj.store.items.history(source, ResourceKey(resource_type, resource_id), limit=limit)
    if not items:
        fail(f"no {resource_type} {resource_id} recorded in {source}")
    if obj.output == "json":
        emit([{**item_record(i), "configurationItemDiff": diff_record(i.diff)} for i in items], output="json")
        return
    rows = [
        {
            "version": i.configuration_state_id,
            "captured": i.capture_time,
            "status": i.status.value,
            "changed": ", ".join(i.diff.changed_properties) if i.diff else "",
        }
        for i in items
    ]
    emit(rows, output="table", title=f"history of {resource_type} {resource_id}")


@resources.command()
@click.argument("resource_type")
@click.argument("resource_id")
@click.option(
    "--from", "from_id", type=int, default=None, help="Older configurationStateId (default: previous)."
)
@click.option("--to", "to_id", type=int, default=None, help="Newer configurationStateId (default: latest).")
@with_source
@click.pass_obj
def diff(
    obj: CliContext,
    resource_type: str,
    resource_id: str,
    from_id: int | None,
    to_id: int | None,
    account: str | None,
    region: str | None,
) -> None:
    """The difference between two versions of a resource (default: the last change)."""
    source = obj.source(account, region)
    key = ResourceKey(resource_type, resource_id)
    newer = _item_or_fail(obj, source, key, to_id)
    if from_id is None:
        older_items = obj.store.items.history(
            source, key, after_state_id=newer.configuration_state_id, limit=1
        )
        older = older_items[0] if older_items else None
    else:
        older = _item_or_fail(obj, source, key, from_id)
    older_state = older.state() if older is not None and not older.status.is_deletion else None
    newer_state = None if newer.status.is_deletion else newer.state()
    if older_state is None and newer_state is None:
        fail("both versions are deletions: nothing to compare")
    result = diff_states(older_state, newer_state)
    record = diff_record(result)
    assert record is not None
    if obj.output == "json":
        emit(
            {
                "from": older.configuration_state_id if older else None,
                "to": newer.configuration_state_id,
                **record,
            },
            output="json",
        )
        return
    rows = [
        {
            "property": path,
            "change": change["changeType"],
            "from": change["previousValue"],
            "to": change["updatedValue"],
        }
        for path, change in record["changedProperties"].items()
    ]
    title = (
        f"{resource_type} {resource_id}: {older.configuration_state_id if older else 'nothing'} -> "
        f"{newer.configuration_state_id} ({record['changeType']})"
    )
    emit(rows, output="table", title=title)


COMMANDS = [resources]
