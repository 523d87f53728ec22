"""How delivery attempts move a channel's status, and the store's atomic status update."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from roost.delivery.status import (
    export_attempted,
    is_due,
    stream_failed,
    stream_not_applicable,
    stream_published,
)
from roost.errors import CloudError
from roost.model import DeliveryChannel, DeliveryChannelStatus, DeliveryInfo, DeliveryLastStatus
from roost.store import Store
from tests.conftest import SOURCE

T0 = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
DENIED = CloudError("AccessDenied", "Access Denied")


def test_an_export_failure_keeps_the_last_success_and_a_success_clears_the_error() -> None:
    ok = export_attempted(DeliveryInfo(), now=T0, interval_seconds=3600)
    assert ok.last_status is DeliveryLastStatus.SUCCESS
    assert ok.last_successful_time == ok.last_attempt_time == T0
    assert ok.next_delivery_time == T0 + timedelta(hours=1)

    later = T0 + timedelta(hours=1)
    failed = export_attempted(ok, now=later, interval_seconds=3600, error=DENIED)
    assert failed.last_status is DeliveryLastStatus.FAILURE
    assert (failed.last_error_code, failed.last_error_message) == ("AccessDenied", "Access Denied")
    assert failed.last_attempt_time == later and failed.last_successful_time == T0

    again = export_attempted(failed, now=later + timedelta(hours=1), interval_seconds=3600)
    assert again.last_error_code is None and again.last_error_message is None


def test_exports_are_due_when_never_tried_or_an_interval_after_the_last_try() -> None:
    assert is_due(DeliveryInfo(), now=T0, interval_seconds=60)
    tried = export_attempted(DeliveryInfo(), now=T0, interval_seconds=60, error=DENIED)
    assert not is_due(tried, now=T0 + timedelta(seconds=59), interval_seconds=60)
    assert is_due(tried, now=T0 + timedelta(seconds=60), interval_seconds=60)
    # A shorter interval set since applies at once.
    assert is_due(tried, now=T0 + timedelta(seconds=30), interval_seconds=10)


def test_the_stream_records_when_its_status_changed() -> None:
    published = stream_published(DeliveryInfo(), now=T0)
    assert published.last_status is DeliveryLastStatus.SUCCESS and published.last_attempt_time == T0
    still = stream_published(published, now=T0 + timedelta(minutes=5))
    assert still.last_attempt_time == T0 and still.last_successful_time == T0 + timedelta(minutes=5)

    failed = stream_failed(still, DENIED, now=T0 + timedelta(minutes=6))
    assert failed.last_status is DeliveryLastStatus.FAILURE and failed.last_error_code == "AccessDenied"
    assert failed.last_attempt_time == T0 + timedelta(minutes=6)
    assert (
        stream_failed(failed, DENIED, now=T0 + timedelta(minutes=7)).last_attempt_time
        == failed.last_attempt_time
    )

    gone = stream_not_applicable(failed, now=T0 + timedelta(minutes=8))
    assert gone.last_status is DeliveryLastStatus.NOT_APPLICABLE and gone.last_error_code is None
    assert stream_not_applicable(gone, now=T0 + timedelta(minutes=9)) is gone


def test_status_parts_are_updated_without_undoing_each_other(any_store: Store) -> None:
    channels = any_store.channels
    channels.put(DeliveryChannel(SOURCE.account_id, SOURCE.region, "bucket"), start_cursor=0)
    ok = export_attempted(DeliveryInfo(), now=T0, interval_seconds=60)

    channels.update_status(SOURCE, "default", lambda s: replace(s, config_history=ok))
    channels.update_status(SOURCE, "default", lambda s: replace(s, config_snapshot=ok))

    assert channels.status(SOURCE, "default") == DeliveryChannelStatus(
        name="default", config_history=ok, config_snapshot=ok
    )
    assert channels.update_status(SOURCE, "missing", lambda s: s) is None
