"""`roost recorder ...` and `roost delivery-channel ...`: writing recorders and delivery channels."""

from __future__ import annotations

import click

from roost.cli.context import CliContext
from roost.cli.output import emit
from roost.cli.resources import with_source
from roost.clock import SystemClock
from roost.cloud import CloudConnector
from roost.model import (
    ConfigurationRecorder,
    DeliveryChannel,
    DeliveryFrequency,
    RecordingFrequency,
    RecordingGroup,
    RecordingMode,
    RecordingModeOverride,
    RecordingStrategy,
    service_linked_role,
)
from roost.recorder import configuration


@click.group()
def recorder() -> None:
    """Configuration recorders: what is recorded, and whether recording is on."""


@recorder.command("put")
@click.option("--name", default="default", show_default=True)
@click.option("--role-arn", default=None, help="Default: the account's AWS Config service-linked role.")
@click.option(
    "--include-global/--no-include-global",
    default=True,
    show_default=True,
    help="Record global IAM types (with all supported types).",
)
@click.option(
    "--resource-type",
    "resource_types",
    multiple=True,
    metavar="TYPE",
    help="Record only these types (INCLUSION_BY_RESOURCE_TYPES).",
)
@click.option(
    "--exclude",
    "excluded",
    multiple=True,
    metavar="TYPE",
    help="Record everything but these types (EXCLUSION_BY_RESOURCE_TYPES).",
)
@click.option("--daily", is_flag=True, help="Record DAILY instead of CONTINUOUS.")
@click.option(
    "--daily-type",
    "daily_types",
    multiple=True,
    metavar="TYPE",
    help="Record these types DAILY (a recording mode override).",
)
@with_source
@click.pass_obj
def put_recorder(
    obj: CliContext,
    name: str,
    role_arn: str | None,
    include_global: bool,
    resource_types: tuple[str, ...],
    excluded: tuple[str, ...],
    daily: bool,
    daily_types: tuple[str, ...],
    account: str | None,
    region: str | None,
) -> None:
    """Create or update the recorder of an account and region (all supported types by default)."""
    source = obj.source(account, region)
    if resource_types:
        group = RecordingGroup(
            all_supported=False,
            resource_types=resource_types,
            strategy=RecordingStrategy.INCLUSION_BY_RESOURCE_TYPES,
        )
    elif excluded:
        group = RecordingGroup(
            all_supported=False,
            exclusion_resource_types=excluded,
            strategy=RecordingStrategy.EXCLUSION_BY_RESOURCE_TYPES,
        )
    else:
        group = RecordingGroup(all_supported=True, include_global_resource_types=include_global)
    overrides = (
        (RecordingModeOverride(daily_types, RecordingFrequency.DAILY, "roost CLI"),) if daily_types else ()
    )
    mode = RecordingMode(RecordingFrequency.DAILY if daily else RecordingFrequency.CONTINUOUS, overrides)
    configuration.put_recorder(
        obj.store,
        ConfigurationRecorder(
            source.account_id,
            source.region,
            name=name,
            role_arn=role_arn or service_linked_role(source.account_id),
            recording_group=group,
            recording_mode=mode,
        ),
    )
    click.echo(f"recorder {name} put in {source}")


@recorder.command("start")
@click.option("--name", default="default", show_default=True)
@with_source
@click.pass_obj
def start_recorder(obj: CliContext, name: str, account: str | None, region: str | None) -> None:
    """Turn recording on (needs a delivery channel)."""
    source = obj.source(account, region)
    configuration.start_recorder(obj.store, source, name, clock=SystemClock())
    click.echo(f"recorder {name} in {source} is recording")


@recorder.command("stop")
@click.option("--name", default="default", show_default=True)
@with_source
@click.pass_obj
def stop_recorder(obj: CliContext, name: str, account: str | None, region: str | None) -> None:
    """Turn recording off; everything recorded stays."""
    source = obj.source(account, region)
    configuration.stop_recorder(obj.store, source, name, clock=SystemClock())
    click.echo(f"recorder {name} in {source} stopped")


@recorder.command("delete")
@click.option("--name", default="default", show_default=True)
@with_source
@click.pass_obj
def delete_recorder(obj: CliContext, name: str, account: str | None, region: str | None) -> None:
    """Delete the recorder (its recorded history stays)."""
    source = obj.source(account, region)
    configuration.delete_recorder(obj.store, source, name)
    click.echo(f"recorder {name} in {source} deleted")


@recorder.command("list")
@click.pass_obj
def list_recorders(obj: CliContext) -> None:
    """Every recorder in the store, with its status."""
    rows = []
    for rec in obj.store.recorders.list():
        status = obj.store.recorders.status(rec.source, rec.name)
        group = rec.recording_group
        rows.append(
            {
                "account": rec.account_id,
                "region": rec.region,
                "name": rec.name,
                "recording": status.recording if status else False,
                "strategy": group.strategy.value,
                "global types": group.include_global_resource_types,
                "types": list(group.resource_types or group.exclusion_resource_types),
                "mode": rec.recording_mode.recording_frequency.value,
            }
        )
    emit(rows, output=obj.output, title="configuration recorders")


@click.group("delivery-channel")
def delivery_channel() -> None:
    """Delivery channels: where configuration history, snapshots and notifications go."""


@delivery_channel.command("put")
@click.option("--name", default="default", show_default=True)
@click.option("--bucket", required=True, help="S3 bucket for history and snapshot files (must exist).")
@click.option("--prefix", default=None, help="S3 key prefix.")
@click.option("--sns-topic", default=None, metavar="ARN", help="SNS topic for change notifications.")
@click.option(
    "--frequency",
    type=click.Choice([f.value for f in DeliveryFrequency]),
    default=DeliveryFrequency.TwentyFour_Hours.value,
    show_default=True,
    help="Snapshot delivery frequency.",
)
@with_source
@click.pass_obj
def put_channel(
    obj: CliContext,
    name: str,
    bucket: str,
    prefix: str | None,
    sns_topic: str | None,
    frequency: str,
    account: str | None,
    region: str | None,
) -> None:
    """Create or update the delivery channel of an account and region."""
    from roost.delivery import Deliverer

    source = obj.source(account, region)
    channel = DeliveryChannel(
        source.account_id,
        source.region,
        s3_bucket_name=bucket,
        name=name,
        s3_key_prefix=prefix,
        sns_topic_arn=sns_topic,
        delivery_frequency=DeliveryFrequency(frequency),
    )
    deliverer = Deliverer(
        obj.store,
        CloudConnector(obj.settings.accounts),
        SystemClock(),
        history_interval_seconds=obj.settings.history_interval_seconds,
    )
    configuration.put_channel(obj.store, channel, check_bucket=deliverer.check_writable)
    click.echo(f"delivery channel {name} put in {source}: s3://{bucket}/{prefix or ''}")


@delivery_channel.command("delete")
@click.option("--name", default="default", show_default=True)
@with_source
@click.pass_obj
def delete_channel(obj: CliContext, name: str, account: str | None, region: str | None) -> None:
    """Delete the delivery channel (not while the recorder records)."""
    source = obj.source(account, region)
    configuration.delete_channel(obj.store, source, name)
    click.echo(f"delivery channel {name} in {source} deleted")


@delivery_channel.command("list")
@click.pass_obj
def list_channels(obj: CliContext) -> None:
    """Every delivery channel in the store."""
    rows = [
        {
            "account": c.account_id,
            "region": c.region,
            "name": c.name,
            "bucket": c.s3_bucket_name,
            "prefix": c.s3_key_prefix,
            "sns topic": c.sns_topic_arn,
            "snapshots": c.delivery_frequency.value,
        }
        for c in obj.store.channels.list()
    ]
    emit(rows, output=obj.output, title="delivery channels")


COMMANDS = [recorder, delivery_channel]
