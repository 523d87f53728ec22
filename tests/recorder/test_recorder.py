"""The recorder engine against the sandbox cloud and a real SQLite store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from roost.clock import FrozenClock
from roost.cloud import CloudConnector
from roost.cloud.sandbox import Sandbox
from roost.model import (
    GLOBAL_REGION,
    AccountRegion,
    ConfigurationItem,
    ConfigurationRecorder,
    ItemStatus,
    RecorderLastStatus,
    RecordingFrequency,
    RecordingGroup,
    RecordingMode,
    RecordingStrategy,
    ResourceKey,
)
from roost.recorder.collector import CollectContext, Collector, ResourceFailure, call, load_collectors
from roost.recorder.recorder import Recorder
from roost.registry import Registry
from roost.settings import AccountSettings, Settings
from roost.store import Store
from tests.conftest import REGION, SOURCE

SG = "AWS::EC2::SecurityGroup"


def count_writes(store: Store) -> Callable[[], int]:
    """Count INSERT/UPDATE/DELETE statements sent to the database from now on."""
    writes = 0

    def on_execute(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        nonlocal writes
        if statement.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            writes += 1

    sa.event.listen(store.engine, "before_cursor_execute", on_execute)
    return lambda: writes


def test_an_unchanged_account_costs_reads_only(recorder: Recorder, aws: Callable[..., Any]) -> None:
    ec2 = aws("ec2")
    for n in range(5):
        ec2.create_security_group(GroupName=f"g{n}", Description="d")
    first = recorder.record_pass(SOURCE, resource_types=[SG])
    assert first.items_written == 6  # five groups and the default VPC's default group

    item_writes = 0

    def on_execute(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        nonlocal item_writes
        if (
            statement.lstrip()
            .upper()
            .startswith(("INSERT INTO CONFIGURATION_ITEMS", "INSERT INTO RESOURCES"))
        ):
            item_writes += 1

    sa.event.listen(recorder.store.engine, "before_cursor_execute", on_execute)
    second = recorder.record_pass(SOURCE, resource_types=[SG])

    assert second.items_written == 0
    assert item_writes == 0


def test_state_ids_grow_and_every_change_is_an_item(recorder: Recorder, aws: Callable[..., Any]) -> None:
    ec2 = aws("ec2")
    group = ec2.create_security_group(GroupName="g", Description="d")["GroupId"]
    recorder.record_pass(SOURCE, resource_types=[SG])
    ec2.create_tags(Resources=[group], Tags=[{"Key": "env", "Value": "prod"}])
    recorder.record_pass(SOURCE, resource_types=[SG])
    ec2.delete_security_group(GroupId=group)
    recorder.record_pass(SOURCE, resource_types=[SG])

    history = recorder.store.items.history(SOURCE, ResourceKey(SG, group), chronological=True)
    assert [i.status for i in history] == [
        ItemStatus.RESOURCE_DISCOVERED,
        ItemStatus.OK,
        ItemStatus.RESOURCE_DELETED,
    ]
    ids = [i.configuration_state_id for i in history]
    assert ids == sorted(set(ids))
    assert history[1].tags == {"env": "prod"}
    assert history[1].diff is not None and "Tags.env" in history[1].diff.changed_properties
    assert history[2].configuration is None and history[2].diff is not None
    assert history[2].diff.change_type.value == "DELETE"


def test_state_ids_keep_growing_when_the_clock_steps_back(
    store: Store, settings: Settings, aws: Callable[..., Any]
) -> None:
    clock = FrozenClock(__import__("datetime").datetime(2026, 11, 29, tzinfo=__import__("datetime").UTC))
    store.recorders.put(ConfigurationRecorder(SOURCE.account_id, SOURCE.region, role_arn="r"))
    recorder = Recorder(store, CloudConnector(settings.accounts), clock=clock)
    group = aws("ec2").create_security_group(GroupName="g", Description="d")["GroupId"]
    recorder.record_pass(SOURCE, resource_types=[SG])
    clock.advance(timedelta(hours=-1))
    aws("ec2").create_tags(Resources=[group], Tags=[{"Key": "k", "Value": "v"}])
    recorder.record_pass(SOURCE, resource_types=[SG])

    newest, oldest = store.items.history(SOURCE, ResourceKey(SG, group))
    assert newest.configuration_state_id > oldest.configuration_state_id


def test_types_outside_the_recording_group_are_discovered_not_recorded(
    store: Store, settings: Settings, aws: Callable[..., Any]
) -> None:
    store.recorders.put(
        ConfigurationRecorder(
            SOURCE.account_id,
            SOURCE.region,
            role_arn="r",
            recording_group=RecordingGroup(
                all_supported=False,
                resource_types=("AWS::EC2::VPC",),
                strategy=RecordingStrategy.INCLUSION_BY_RESOURCE_TYPES,
            ),
        )
    )
    recorder = Recorder(store, CloudConnector(settings.accounts), discover_unrecorded=True)
    group = aws("ec2").create_security_group(GroupName="g", Description="d")["GroupId"]
    assert SG not in Recorder(store, CloudConnector(settings.accounts)).plan(store.recorders.get(SOURCE))  # type: ignore[arg-type]
    recorder.record_pass(SOURCE, resource_types=[SG, "AWS::EC2::VPC"])

    item = store.items.latest_item(SOURCE, ResourceKey(SG, group))
    assert item is not None
    assert item.status is ItemStatus.RESOURCE_NOT_RECORDED
    assert item.configuration is None and item.relationships == () and item.resource_name == "g"
    vpcs = store.items.discovered(SOURCE, "AWS::EC2::VPC")
    assert vpcs and all(v.status is ItemStatus.RESOURCE_DISCOVERED for v in vpcs)

    aws("ec2").delete_security_group(GroupId=group)
    recorder.record_pass(SOURCE, resource_types=[SG])
    gone = store.items.latest_item(SOURCE, ResourceKey(SG, group))
    assert gone is not None and gone.status is ItemStatus.RESOURCE_DELETED_NOT_RECORDED

    # The type joins the recording group: its resources are discovered (not OK) with their configuration.
    kept = aws("ec2").create_security_group(GroupName="kept", Description="d")["GroupId"]
    recorder.record_pass(SOURCE, resource_types=[SG])
    store.recorders.put(ConfigurationRecorder(SOURCE.account_id, SOURCE.region, role_arn="r"))
    recorder.record_pass(SOURCE, resource_types=[SG])
    history = store.items.history(SOURCE, ResourceKey(SG, kept))
    assert [i.status for i in history] == [ItemStatus.RESOURCE_DISCOVERED, ItemStatus.RESOURCE_NOT_RECORDED]
    assert history[0].configuration is not None


def test_global_types_are_recorded_once_per_account_in_its_global_region(
    store: Store, cloud: Sandbox, aws: Callable[..., Any]
) -> None:
    settings = Settings().with_sandbox_account(cloud.endpoint_url, (REGION, "eu-west-1"))
    for region in (REGION, "eu-west-1"):
        store.recorders.put(
            ConfigurationRecorder(
                SOURCE.account_id,
                region,
                role_arn="r",
                recording_group=RecordingGroup(all_supported=True, include_global_resource_types=True),
            )
        )
    recorder = Recorder(store, CloudConnector(settings.accounts))
    user_id = aws("iam").create_user(UserName="alice")["User"]["UserId"]
    other = AccountRegion(SOURCE.account_id, "eu-west-1")

    assert "AWS::IAM::User" in recorder.plan(store.recorders.get(SOURCE))  # type: ignore[arg-type]
    assert "AWS::IAM::User" not in recorder.plan(store.recorders.get(other))  # type: ignore[arg-type]
    recorder.record_pass(SOURCE, resource_types=["AWS::IAM::User"])
    item = store.items.latest_item(SOURCE, ResourceKey("AWS::IAM::User", user_id))
    assert item is not None and item.aws_region == GLOBAL_REGION and item.region == REGION


def test_the_default_recording_group_leaves_out_global_types(store: Store, settings: Settings) -> None:
    store.recorders.put(ConfigurationRecorder(SOURCE.account_id, SOURCE.region, role_arn="r"))
    recorder = Recorder(store, CloudConnector(settings.accounts))
    plan = recorder.plan(store.recorders.get(SOURCE))  # type: ignore[arg-type]

    assert "AWS::IAM::User" not in plan
    assert plan[SG] is True


def test_daily_types_carry_their_frequency(store: Store, settings: Settings, aws: Callable[..., Any]) -> None:
    store.recorders.put(
        ConfigurationRecorder(
            SOURCE.account_id,
            SOURCE.region,
            role_arn="r",
            recording_mode=RecordingMode(RecordingFrequency.DAILY),
        )
    )
    recorder = Recorder(store, CloudConnector(settings.accounts))
    group = aws("ec2").create_security_group(GroupName="g", Description="d")["GroupId"]
    recorder.record_pass(SOURCE, resource_types=[SG])

    item = store.items.latest_item(SOURCE, ResourceKey(SG, group))
    assert item is not None
    assert item.recording_frequency is RecordingFrequency.DAILY
    assert item.delivery_time == item.capture_time


class _FlakyGroups(Collector):
    """Security groups, except one whose read really fails (a describe of a group that is gone)."""

    resource_type = SG
    service = "ec2"

    def collect(self, ctx: CollectContext) -> Iterator[Any]:
        yield from load_collectors().get(SG)().collect(ctx)
        ec2 = ctx.client("ec2")
        try:
            call(ec2.describe_security_groups, GroupIds=["sg-0000000000000dead"])
        except Exception as error:  # a real CloudError from the sandbox
            yield ResourceFailure("sg-0000000000000dead", error)  # type: ignore[arg-type]


def test_one_unreadable_resource_does_not_stop_the_pass(
    store: Store, settings: Settings, aws: Callable[..., Any]
) -> None:
    registry: Registry[type[Collector]] = Registry("collector")
    registry.add(SG, _FlakyGroups)
    store.recorders.put(ConfigurationRecorder(SOURCE.account_id, SOURCE.region, role_arn="r"))
    recorder = Recorder(store, CloudConnector(settings.accounts), collectors=registry)
    group = aws("ec2").create_security_group(GroupName="ok", Description="d")["GroupId"]

    result = recorder.record_pass(SOURCE)

    assert store.items.latest_item(SOURCE, ResourceKey(SG, group)) is not None
    (error,) = result.errors
    assert (error.resource_id, error.error_code) == ("sg-0000000000000dead", "InvalidGroup.NotFound")
    (stored,) = store.recorders.errors(SOURCE)
    assert (stored.resource_id, stored.error_code, stored.error_message) == (
        error.resource_id,
        error.error_code,
        error.error_message,
    )
    status = store.recorders.status(SOURCE, "default")
    assert status is not None and status.last_status is RecorderLastStatus.FAILURE
    assert status.last_error_code == "InvalidGroup.NotFound"


class _UnlistableGroups(Collector):
    resource_type = SG
    service = "ec2"

    def collect(self, ctx: CollectContext) -> Iterator[Any]:
        call(ctx.client("ec2").describe_security_groups, GroupIds=["sg-0000000000000dead"])
        return iter(())


def test_a_type_that_cannot_be_listed_keeps_its_resources(
    store: Store, settings: Settings, aws: Callable[..., Any]
) -> None:
    store.recorders.put(ConfigurationRecorder(SOURCE.account_id, SOURCE.region, role_arn="r"))
    group = aws("ec2").create_security_group(GroupName="kept", Description="d")["GroupId"]
    Recorder(store, CloudConnector(settings.accounts)).record_pass(SOURCE, resource_types=[SG])
    registry: Registry[type[Collector]] = Registry("collector")
    registry.add(SG, _UnlistableGroups)

    result = Recorder(store, CloudConnector(settings.accounts), collectors=registry).record_pass(SOURCE)

    assert result.types[0].failed
    kept = store.items.latest_item(SOURCE, ResourceKey(SG, group))
    assert kept is not None and kept.status is ItemStatus.RESOURCE_DISCOVERED  # not marked deleted


def test_an_unreachable_endpoint_gives_one_clear_status(store: Store) -> None:
    account = AccountSettings(
        account_id="123456789012",
        access_key_id="test",
        secret_access_key="test",
        endpoint_url="http://127.0.0.1:9",
    )
    store.recorders.put(ConfigurationRecorder(SOURCE.account_id, SOURCE.region, role_arn="r"))
    connector = CloudConnector([account])
    recorder = Recorder(store, connector)

    result = recorder.record_pass(SOURCE)

    assert result.aborted is not None
    assert result.aborted.code == "EndpointConnectionError"
    status = store.recorders.status(SOURCE, "default")
    assert status is not None and status.last_status is RecorderLastStatus.FAILURE
    assert status.last_error_code == "EndpointConnectionError"
    assert "127.0.0.1:9" in (status.last_error_message or "")
    last = store.recorders.last_pass(SOURCE)
    assert last is not None and last.finished_time is None  # resumed next time


def test_an_unknown_profile_is_a_clear_error(store: Store) -> None:
    account = AccountSettings(account_id="123456789012", profile="no-such-profile-roost")
    store.recorders.put(ConfigurationRecorder(SOURCE.account_id, SOURCE.region, role_arn="r"))

    result = Recorder(store, CloudConnector([account])).record_pass(SOURCE)

    assert result.aborted is not None and result.aborted.code == "ProfileNotFound"


def test_targeted_collection_and_listeners(recorder: Recorder, aws: Callable[..., Any]) -> None:
    seen: list[ConfigurationItem] = []
    recorder.listeners.append(seen.extend)
    ec2 = aws("ec2")
    group = ec2.create_security_group(GroupName="g", Description="d")["GroupId"]

    created = recorder.record_resource(SOURCE, ResourceKey(SG, group))
    unchanged = recorder.record_resource(SOURCE, ResourceKey(SG, group))
    ec2.delete_security_group(GroupId=group)
    deleted = recorder.record_resource(SOURCE, ResourceKey(SG, group))

    assert created is not None and created.status is ItemStatus.RESOURCE_DISCOVERED
    assert unchanged is None
    assert deleted is not None and deleted.status is ItemStatus.RESOURCE_DELETED
    assert [i.status for i in seen] == [ItemStatus.RESOURCE_DISCOVERED, ItemStatus.RESOURCE_DELETED]


def test_a_failing_listener_does_not_lose_items(recorder: Recorder, aws: Callable[..., Any]) -> None:
    def broken(items: Any) -> None:
        raise RuntimeError("subscriber bug")

    recorder.listeners.append(broken)
    group = aws("ec2").create_security_group(GroupName="g", Description="d")["GroupId"]

    recorder.record_pass(SOURCE, resource_types=[SG])

    assert recorder.store.items.latest_item(SOURCE, ResourceKey(SG, group)) is not None


def test_an_interrupted_pass_is_resumed_where_it_stopped(recorder: Recorder, aws: Callable[..., Any]) -> None:
    store = recorder.store
    types = ["AWS::EC2::VPC", SG]
    pass_id = store.recorders.start_pass(SOURCE, types, now=recorder.clock.now())
    recorder.record_type(SOURCE, "AWS::EC2::VPC")
    store.recorders.mark_collected(SOURCE, "AWS::EC2::VPC", now=recorder.clock.now(), pass_id=pass_id)
    # ... and here the process died. The next pass finishes the cut one: only the security groups.
    result = recorder.record_pass(SOURCE)

    assert result.resumed and result.pass_id == pass_id
    assert result.types[0].resource_type == SG
    assert "AWS::EC2::VPC" not in [t.resource_type for t in result.types]
    last = store.recorders.last_pass(SOURCE)
    assert last is not None and last.id == pass_id and last.finished_time is not None


class _BrokenCollector(Collector):
    """A collector meeting an answer it does not understand (a KeyError deep in its code)."""

    resource_type = "AWS::EC2::Instance"
    service = "ec2"

    def collect(self, ctx: CollectContext) -> Iterator[Any]:
        raise KeyError("Reservations")


def test_a_collector_bug_fails_its_type_and_the_pass_goes_on(
    store: Store, settings: Settings, aws: Callable[..., Any]
) -> None:
    registry: Registry[type[Collector]] = Registry("collector")
    registry.add("AWS::EC2::Instance", _BrokenCollector)
    registry.add(SG, load_collectors().get(SG))
    store.recorders.put(ConfigurationRecorder(SOURCE.account_id, SOURCE.region, role_arn="r"))
    group = aws("ec2").create_security_group(GroupName="g", Description="d")["GroupId"]

    result = Recorder(store, CloudConnector(settings.accounts), collectors=registry).record_pass(SOURCE)

    assert store.items.latest_item(SOURCE, ResourceKey(SG, group)) is not None
    broken = next(t for t in result.types if t.resource_type == "AWS::EC2::Instance")
    assert broken.failed and broken.errors[0].error_code == "InternalError"
    assert "KeyError" in broken.errors[0].error_message
    last = store.recorders.last_pass(SOURCE)
    assert last is not None and last.finished_time is not None  # not stuck resuming forever
    status = store.recorders.status(SOURCE, "default")
    assert status is not None and status.last_error_code == "InternalError"


class _ShufflingGroups(Collector):
    """Security groups whose ingress rules come back in a different order on every listing, and repeated."""

    resource_type = SG
    service = "ec2"
    calls = 0

    def collect(self, ctx: CollectContext) -> Iterator[Any]:
        from dataclasses import replace as dc_replace

        _ShufflingGroups.calls += 1
        for state in load_collectors().get(SG)().collect(ctx):
            assert not isinstance(state, ResourceFailure)
            config = dict(state.configuration or {})
            rules = list(config.get("ipPermissions", []))
            config["ipPermissions"] = rules if _ShufflingGroups.calls % 2 else list(reversed(rules))
            shuffled = dc_replace(state, configuration=config)
            yield shuffled
            yield shuffled  # a listing that repeats an entry


def test_reordered_lists_and_repeated_entries_write_nothing_new(
    store: Store, settings: Settings, aws: Callable[..., Any]
) -> None:
    registry: Registry[type[Collector]] = Registry("collector")
    registry.add(SG, _ShufflingGroups)
    store.recorders.put(ConfigurationRecorder(SOURCE.account_id, SOURCE.region, role_arn="r"))
    recorder = Recorder(store, CloudConnector(settings.accounts), collectors=registry)
    ec2 = aws("ec2")
    group = ec2.create_security_group(GroupName="g", Description="d")["GroupId"]
    for port in (22, 443):
        ec2.authorize_security_group_ingress(
            GroupId=group,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": port,
                    "ToPort": port,
                    "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
                }
            ],
        )

    first = recorder.record_pass(SOURCE)
    second = recorder.record_pass(SOURCE)
    third = recorder.record_pass(SOURCE)

    assert first.errors == [] and first.items_written == 2  # the group and the default group, once each
    history = store.items.history(SOURCE, ResourceKey(SG, group))
    assert second.items_written == 0 and third.items_written == 0, [i.diff for i in history]
    assert len(store.items.history(SOURCE, ResourceKey(SG, group))) == 1
