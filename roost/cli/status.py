"""`roost status`: is recording working, and where it is not, why."""

from __future__ import annotations

from typing import Any

import click

from roost.cli.context import CliContext
from roost.cli.output import emit


@click.command()
@click.pass_obj
def status(obj: CliContext) -> None:
    """Recorders, their last pass and errors, delivery channels, and what is recorded."""
    store = obj.store
    recorders: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for rec in store.recorders.list():
        state = store.recorders.status(rec.source, rec.name)
        last = store.recorders.last_pass(rec.source)
        counts = store.items.resource_counts(rec.source)
        recorders.append(
            {
                "account": rec.account_id,
                "region": rec.region,
                "recorder": rec.name,
                "recording": state.recording if state else False,
                "last status": state.last_status.value if state else None,
                "last error": (
                    f"{state.last_error_code}: {state.last_error_message}"
                    if state and state.last_error_code
                    else None
                ),
                "last pass": (last.finished_time or last.started_time) if last else None,
                "pass state": ("finished" if last.finished_time else "interrupted/running") if last else None,
                "resources": sum(counts.values()),
                "items": store.items.count_items(rec.source),
            }
        )
        for error in store.recorders.errors(rec.source):
            errors.append(
                {
                    "account": rec.account_id,
                    "region": rec.region,
                    "resource type": error.resource_type,
                    "resource id": error.resource_id,
                    "error": f"{error.error_code}: {error.error_message}",
                    "time": error.time,
                }
            )
    channels: list[dict[str, Any]] = []
    for channel in store.channels.list():
        channel_status = store.channels.status(channel.source, channel.name)
        assert channel_status is not None
        channels.append(
            {
                "account": channel.account_id,
                "region": channel.region,
                "channel": channel.name,
                "bucket": channel.s3_bucket_name,
                "history": channel_status.config_history.last_status.value,
                "snapshot": channel_status.config_snapshot.last_status.value,
                "notifications": channel_status.config_stream.last_status.value,
                "last error": next(
                    (
                        f"{i.last_error_code}: {i.last_error_message}"
                        for i in (
                            channel_status.config_history,
                            channel_status.config_snapshot,
                            channel_status.config_stream,
                        )
                        if i.last_error_code
                    ),
                    None,
                ),
            }
        )
    if obj.output == "json":
        emit(
            {"recorders": recorders, "collectionErrors": errors, "deliveryChannels": channels}, output="json"
        )
        return
    emit(recorders, output="table", title="configuration recorders")
    if errors:
        emit(errors, output="table", title="collection errors")
    emit(channels, output="table", title="delivery channels")


COMMANDS = [status]
