"""Continuous recording: which types are due, and the loop that records them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from roost.clock import FrozenClock
from roost.cloud import CloudConnector
from roost.model import (
    ConfigurationRecorder,
    RecordingFrequency,
    RecordingMode,
    RecordingModeOverride,
    ResourceKey,
)
from roost.recorder.loop import RecordingLoop
from roost.recorder.recorder import Recorder
from roost.settings import Settings
from roost.store import Store
from tests.conftest import SOURCE

SG = "AWS::EC2::SecurityGroup"
VPC = "AWS::EC2::VPC"


def _loop(store: Store, settings: Settings, clock: FrozenClock, **overrides: Any) -> RecordingLoop:
    recorder = Recorder(store, CloudConnector(settings.accounts), clock=clock)
    return RecordingLoop(recorder, replace(settings, **overrides))


def test_types_are_due_by_their_own_intervals(store: Store, settings: Settings) -> None:
    clock = FrozenClock(datetime(2026, 11, 29, tzinfo=UTC))
    store.recorders.put(
        ConfigurationRecorder(
            SOURCE.account_id,
            SOURCE.region,
            role_arn="r",
            recording_mode=RecordingMode(
                RecordingFrequency.CONTINUOUS, (RecordingModeOverride((VPC,), RecordingFrequency.DAILY),)
            ),
        )
    )
    loop = _loop(store, settings, clock, type_intervals={"AWS::EC2::Subnet": 60.0})
    recorder = store.recorders.get(SOURCE)
    assert recorder is not None
    assert loop.interval(recorder, SG) == 10.0  # the sandbox's default
    assert loop.interval(recorder, "AWS::EC2::Subnet") == 60.0
    assert loop.interval(recorder, VPC) == 24 * 3600  # DAILY

    assert SG in loop.due_types(recorder)  # never collected
    for resource_type in (SG, VPC, "AWS::EC2::Subnet"):
        store.recorders.mark_collected(SOURCE, resource_type, now=clock.now(), pass_id=None)
    clock.advance(timedelta(seconds=11))
    due = loop.due_types(recorder)
    assert SG in due and VPC not in due and "AWS::EC2::Subnet" not in due
    clock.advance(timedelta(hours=25))
    assert {SG, VPC, "AWS::EC2::Subnet"} <= set(loop.due_types(recorder))


def test_the_loop_records_running_recorders_only(
    store: Store, settings: Settings, aws: Callable[..., Any]
) -> None:
    clock = FrozenClock(datetime(2026, 11, 29, tzinfo=UTC))
    store.recorders.put(ConfigurationRecorder(SOURCE.account_id, SOURCE.region, role_arn="r"))
    loop = _loop(store, settings, clock)
    group = aws("ec2").create_security_group(GroupName="g", Description="d")["GroupId"]

    assert loop.run_once(wait=True) == []  # not recording yet
    store.recorders.set_recording(SOURCE, "default", recording=True, now=clock.now())
    (future,) = loop.run_once(wait=True)
    result = future.result()

    assert result.aborted is None and not result.errors
    assert store.items.latest_item(SOURCE, ResourceKey(SG, group)) is not None
    assert loop.run_once(wait=True) == []  # nothing due until the interval passes
    clock.advance(timedelta(seconds=10))
    assert len(loop.run_once(wait=True)) == 1
    loop.stop()


def test_the_loop_thread_records_within_seconds(
    store: Store, settings: Settings, aws: Callable[..., Any]
) -> None:
    store.recorders.put(ConfigurationRecorder(SOURCE.account_id, SOURCE.region, role_arn="r"))
    recorder = Recorder(store, CloudConnector(settings.accounts))
    store.recorders.set_recording(SOURCE, "default", recording=True, now=recorder.clock.now())
    passes: list[Any] = []
    loop = RecordingLoop(
        recorder, replace(settings, interval_seconds=0.5), tick_seconds=0.1, on_pass=passes.append
    )
    loop.start()
    try:
        import time

        deadline = time.monotonic() + 60
        while not passes and time.monotonic() < deadline:
            time.sleep(0.1)
        group = aws("ec2").create_security_group(GroupName="late", Description="d")["GroupId"]
        while time.monotonic() < deadline and store.items.latest_item(SOURCE, ResourceKey(SG, group)) is None:
            time.sleep(0.1)
    finally:
        loop.stop()
    assert passes, "the loop never ran a pass"
    assert store.items.latest_item(SOURCE, ResourceKey(SG, group)) is not None


def test_failures_back_off_instead_of_retrying_every_tick(store: Store) -> None:
    from roost.settings import AccountSettings

    clock = FrozenClock(datetime(2026, 11, 29, tzinfo=UTC))
    unreachable = AccountSettings(
        "123456789012",
        access_key_id="test",
        secret_access_key="test",
        endpoint_url="http://127.0.0.1:9",
        sandbox=True,
    )
    settings = Settings(accounts=(unreachable,))
    store.recorders.put(ConfigurationRecorder(SOURCE.account_id, SOURCE.region, role_arn="r"))
    store.recorders.set_recording(SOURCE, "default", recording=True, now=clock.now())
    recorder = Recorder(store, CloudConnector(settings.accounts), clock=clock)
    loop = RecordingLoop(recorder, settings)

    (first,) = loop.run_once(wait=True)
    assert first.result().aborted is not None
    assert loop.run_once(wait=True) == []  # no retry on the next tick
    clock.advance(timedelta(seconds=11))  # one interval (10 s against the sandbox) later: tried again
    (second,) = loop.run_once(wait=True)
    assert second.result().aborted is not None
    clock.advance(timedelta(seconds=11))  # the second failure doubled the wait to 20 s
    assert loop.run_once(wait=True) == []
    clock.advance(timedelta(seconds=10))
    assert len(loop.run_once(wait=True)) == 1
    loop.stop()
