"""The delivery loop's tick: what is due, per channel, and failures kept to their channel."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from roost.clock import FrozenClock
from roost.cloud import CloudConnector
from roost.delivery import Deliverer
from roost.model import AccountRegion, DeliveryChannel, DeliveryLastStatus
from roost.recorder.recorder import Recorder
from roost.settings import AccountSettings, Settings
from roost.store import Store
from tests.conftest import SOURCE
from tests.delivery.conftest import (
    BUCKET,
    HISTORY_INTERVAL,
    SG,
    START,
    Topic,
    channel,
    keys_under,
    read_json_gz,
)


def test_a_failing_channel_is_recorded_and_the_others_still_deliver(
    recorder: Recorder,
    aws: Callable[..., Any],
    store: Store,
    settings: Settings,
    clock: FrozenClock,
    s3: Any,
    topic: Topic,
) -> None:
    # A third account whose endpoint is down: nothing listens on port 9 of the loopback.
    down = AccountSettings(
        account_id="111122223333",
        access_key_id="test",
        secret_access_key="test",
        endpoint_url="http://127.0.0.1:9",
    )
    deliverer = Deliverer(
        store,
        CloudConnector([*settings.accounts, down]),
        clock,
        history_interval_seconds=HISTORY_INTERVAL,
    )
    store.channels.put(channel(name="broken", bucket="deleted-bucket"), start_cursor=0)
    store.channels.put(channel(name="good", topic=topic), start_cursor=0)
    unreachable = DeliveryChannel("111122223333", "us-east-1", BUCKET, name="unreachable")
    store.channels.put(unreachable, start_cursor=0)
    group = aws("ec2").create_security_group(GroupName="seen", Description="d")["GroupId"]
    recorder.record_pass(SOURCE, resource_types=[SG])

    started = time.monotonic()
    reports = {r.channel.name: r for r in deliverer.run_once()}
    assert time.monotonic() - started < 60

    broken = store.channels.status(SOURCE, "broken")
    assert broken is not None
    for info in (broken.config_history, broken.config_snapshot):
        assert info.last_status is DeliveryLastStatus.FAILURE
        assert info.last_error_code == "NoSuchBucket"
    assert broken.config_stream.last_status is DeliveryLastStatus.NOT_APPLICABLE
    assert set(reports["broken"].errors) == {"config_history", "config_snapshot"}

    far = store.channels.status(AccountRegion("111122223333", "us-east-1"), "unreachable")
    assert far is not None
    assert far.config_snapshot.last_status is DeliveryLastStatus.FAILURE
    assert far.config_snapshot.last_error_code == "EndpointConnectionError"

    good = store.channels.status(SOURCE, "good")
    assert good is not None
    assert good.config_history.last_status is DeliveryLastStatus.SUCCESS
    assert good.config_snapshot.last_status is DeliveryLastStatus.SUCCESS
    assert good.config_stream.last_status is DeliveryLastStatus.SUCCESS
    assert reports["good"].ok
    assert reports["good"].snapshot_key in keys_under(s3, BUCKET)
    assert set(reports["good"].history_keys) <= set(keys_under(s3, BUCKET))
    changes = [
        n for n in topic.received() if n.message["messageType"] == "ConfigurationItemChangeNotification"
    ]
    assert group in {n.message["configurationItem"]["resourceId"] for n in changes}


def test_history_and_snapshots_follow_their_intervals(
    recorder: Recorder,
    aws: Callable[..., Any],
    store: Store,
    deliverer: Deliverer,
    clock: FrozenClock,
    s3: Any,
) -> None:
    ec2 = aws("ec2")
    store.channels.put(channel(), start_cursor=0)
    recorder.record_pass(SOURCE, resource_types=[SG])

    first = deliverer.run_once()[0]
    assert first.history_keys and first.snapshot_id is not None

    clock.advance(timedelta(minutes=1))
    group = ec2.create_security_group(GroupName="later", Description="d")["GroupId"]
    recorder.record_pass(SOURCE, resource_types=[SG])
    quiet = deliverer.run_once()[0]
    assert quiet.history_keys == [] and quiet.snapshot_id is None

    clock.advance(timedelta(seconds=HISTORY_INTERVAL))
    history_due = deliverer.run_once()[0]
    (key,) = history_due.history_keys
    (record,) = read_json_gz(s3, BUCKET, key)["configurationItems"]
    assert record["resourceId"] == group
    assert history_due.snapshot_id is None
    status = store.channels.status(SOURCE, "default")
    assert status is not None and status.config_history.last_attempt_time == clock.now()
    assert status.config_snapshot.last_attempt_time == START

    clock.advance(timedelta(hours=24))
    snapshot_due = deliverer.run_once()[0]
    assert snapshot_due.snapshot_id is not None
    assert len([k for k in keys_under(s3, BUCKET) if "/ConfigSnapshot/" in k]) == 2
