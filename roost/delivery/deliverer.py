"""The Deliverer: everything a delivery channel sends, and when.

    deliverer = Deliverer(store, connector, clock, history_interval_seconds=6 * 3600)
    deliverer.check_writable(channel)     # PutDeliveryChannel: the 0-byte ConfigWritabilityCheckFile
    deliverer.deliver_snapshot(channel)   # DeliverConfigSnapshot: returns the configSnapshotId
    deliverer.run_once()                  # the delivery loop's tick, over every channel in the store

Each tick does, per channel: the change notifications (always), the history files (when
`history_interval_seconds` have passed since the last attempt) and a snapshot (when the channel's
delivery frequency has). Every part that fails is recorded in the channel's status with AWS's error
code and leaves the other parts and the other channels alone. Deliveries of one channel are
serialised by a lock, so the API's DeliverConfigSnapshot and the loop never interleave.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from roost.clock import Clock
from roost.cloud import CloudConnector, describe_error
from roost.delivery.history import HistoryExport
from roost.delivery.keys import writability_check_key
from roost.delivery.messages import Announce
from roost.delivery.outputs import ChannelOutputs
from roost.delivery.snapshot import SnapshotExport
from roost.delivery.status import (
    export_attempted,
    is_due,
    stream_failed,
    stream_not_applicable,
    stream_published,
)
from roost.delivery.stream import NotificationStream, StreamResult
from roost.errors import CloudError
from roost.model import DeliveryChannel, DeliveryChannelStatus, DeliveryInfo
from roost.store import Store

log = logging.getLogger(__name__)

STREAM = "config_stream"
HISTORY = "config_history"
SNAPSHOT = "config_snapshot"
#: A failure of the channel as a whole (the store could not be read or written), in reports only.
CHANNEL = "channel"


@dataclass
class ChannelReport:
    """What one delivery of a channel did. `errors` is keyed by STREAM, HISTORY, SNAPSHOT or CHANNEL."""

    channel: DeliveryChannel
    notifications: int = 0
    oversized: int = 0
    history_keys: list[str] = field(default_factory=list)
    snapshot_id: str | None = None
    snapshot_key: str | None = None
    errors: dict[str, CloudError] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


class Deliverer:
    def __init__(
        self,
        store: Store,
        connector: CloudConnector,
        clock: Clock,
        *,
        history_interval_seconds: float,
        history_batch_items: int = 500,
        stream_page_size: int = 200,
        snapshot_page_size: int = 500,
    ) -> None:
        self.store = store
        self.connector = connector
        self.clock = clock
        self.history_interval_seconds = history_interval_seconds
        self._stream = NotificationStream(store, clock, page_size=stream_page_size)
        self._history = HistoryExport(store, clock, batch_items=history_batch_items)
        self._snapshots = SnapshotExport(store, clock, page_size=snapshot_page_size)
        self._locks: dict[tuple[str, str, str], threading.RLock] = {}
        self._locks_guard = threading.Lock()

    # --- checks (PutDeliveryChannel) --------------------------------------------------------

    def check_writable(self, channel: DeliveryChannel) -> None:
        """Write the 0-byte ConfigWritabilityCheckFile; raises CloudError (NoSuchBucket, AccessDenied, …)."""
        self._outputs(channel).put_object(writability_check_key(channel), b"")

    def check_topic(self, channel: DeliveryChannel) -> None:
        """Raise CloudError (e.g. NotFound) unless the channel's SNS topic, if any, exists."""
        self._outputs(channel).check_topic()

    # --- one part, on demand ----------------------------------------------------------------

    def deliver_snapshot(self, channel: DeliveryChannel) -> str:
        """Deliver a configuration snapshot now and return its configSnapshotId; raises CloudError."""
        report = ChannelReport(channel)
        with self._lock(channel):
            self._deliver_snapshot(channel, report)
        if SNAPSHOT in report.errors:
            raise report.errors[SNAPSHOT]
        assert report.snapshot_id is not None
        return report.snapshot_id

    def deliver_history(self, channel: DeliveryChannel) -> list[str]:
        """Deliver the pending history files now and return their keys; raises CloudError."""
        report = ChannelReport(channel)
        with self._lock(channel):
            self._deliver_history(channel, report)
        if HISTORY in report.errors:
            raise report.errors[HISTORY]
        return report.history_keys

    def deliver_notifications(self, channel: DeliveryChannel) -> StreamResult:
        """Publish the pending change notifications now; raises CloudError."""
        report = ChannelReport(channel)
        with self._lock(channel):
            self._deliver_notifications(channel, report)
        if STREAM in report.errors:
            raise report.errors[STREAM]
        return StreamResult(published=report.notifications, oversized=report.oversized)

    # --- the loop's tick --------------------------------------------------------------------

    def run_once(self) -> list[ChannelReport]:
        """Do what is due for every channel in the store. Channel failures end up in statuses, not here."""
        return [self.deliver_due(channel) for channel in self.store.channels.list()]

    def deliver_due(self, channel: DeliveryChannel) -> ChannelReport:
        """Deliver what is due for one channel; its failures go to its status and the report."""
        report = ChannelReport(channel)
        try:
            with self._lock(channel):
                status = self.store.channels.status(channel.source, channel.name)
                if status is None:  # deleted since it was listed
                    return report
                self._deliver_notifications(channel, report)
                now = self.clock.now()
                history_every = self.history_interval_seconds
                snapshot_every = channel.delivery_frequency.seconds
                if is_due(status.config_history, now=now, interval_seconds=history_every):
                    self._deliver_history(channel, report)
                if is_due(status.config_snapshot, now=now, interval_seconds=snapshot_every):
                    self._deliver_snapshot(channel, report)
        # Reached only when recording a status failed (the store is down): keep the other channels going.
        except Exception as exc:
            log.exception("delivery of channel %s in %s failed", channel.name, channel.source)
            report.errors.setdefault(CHANNEL, describe_error(exc))
        return report

    # --- the parts --------------------------------------------------------------------------

    def _deliver_notifications(self, channel: DeliveryChannel, report: ChannelReport) -> None:
        outputs = self._outputs(channel)
        if outputs.topic_arn is None:
            self._stream.skip(outputs)
            now = self.clock.now()
            self._update(channel, STREAM, lambda info: stream_not_applicable(info, now=now))
            return
        result = StreamResult()
        try:
            self._stream.deliver(outputs, result)
        except Exception as exc:
            self._stream_failed(channel, report, self._error(channel, STREAM, exc))
        else:
            if result.published:
                self._stream_ok(channel)
        finally:
            report.notifications += result.published
            report.oversized += result.oversized

    def _deliver_history(self, channel: DeliveryChannel, report: ChannelReport) -> None:
        outputs = self._outputs(channel)
        error: CloudError | None = None
        try:
            self._history.deliver(outputs, self._announcer(outputs, report), report.history_keys)
        except Exception as exc:
            error = report.errors[HISTORY] = self._error(channel, HISTORY, exc)
        now = self.clock.now()
        interval = self.history_interval_seconds
        self._update(
            channel,
            HISTORY,
            lambda info: export_attempted(info, now=now, interval_seconds=interval, error=error),
        )

    def _deliver_snapshot(self, channel: DeliveryChannel, report: ChannelReport) -> None:
        outputs = self._outputs(channel)
        snapshot_id = str(uuid.uuid4())
        error: CloudError | None = None
        try:
            report.snapshot_key = self._snapshots.deliver(
                outputs, self._announcer(outputs, report), snapshot_id
            )
            report.snapshot_id = snapshot_id
        except Exception as exc:
            error = report.errors[SNAPSHOT] = self._error(channel, SNAPSHOT, exc)
        now = self.clock.now()
        interval = channel.delivery_frequency.seconds
        self._update(
            channel,
            SNAPSHOT,
            lambda info: export_attempted(info, now=now, interval_seconds=interval, error=error),
        )

    def _announcer(self, outputs: ChannelOutputs, report: ChannelReport) -> Announce:
        """Delivery messages (history/snapshot completed): their failures count against the stream only."""
        channel = outputs.channel

        def announce(subject: str, message: dict[str, Any]) -> None:
            if outputs.topic_arn is None:
                return
            try:
                outputs.publish(subject, message)
            except Exception as exc:
                self._stream_failed(channel, report, self._error(channel, STREAM, exc))
            else:
                self._stream_ok(channel)

        return announce

    # --- status -----------------------------------------------------------------------------

    def _error(self, channel: DeliveryChannel, part: str, exc: Exception) -> CloudError:
        if not isinstance(exc, CloudError):
            log.exception(
                "unexpected error in %s delivery of channel %s in %s", part, channel.name, channel.source
            )
        return describe_error(exc)

    def _stream_ok(self, channel: DeliveryChannel) -> None:
        now = self.clock.now()
        self._update(channel, STREAM, lambda info: stream_published(info, now=now))

    def _stream_failed(self, channel: DeliveryChannel, report: ChannelReport, error: CloudError) -> None:
        report.errors.setdefault(STREAM, error)
        now = self.clock.now()
        self._update(channel, STREAM, lambda info: stream_failed(info, error, now=now))

    def _update(
        self, channel: DeliveryChannel, part: str, change: Callable[[DeliveryInfo], DeliveryInfo]
    ) -> None:
        def apply(status: DeliveryChannelStatus) -> DeliveryChannelStatus:
            history, snapshot, stream = status.config_history, status.config_snapshot, status.config_stream
            return DeliveryChannelStatus(
                name=status.name,
                config_history=change(history) if part == HISTORY else history,
                config_snapshot=change(snapshot) if part == SNAPSHOT else snapshot,
                config_stream=change(stream) if part == STREAM else stream,
            )

        self.store.channels.update_status(channel.source, channel.name, apply)

    # --- plumbing ---------------------------------------------------------------------------

    def _outputs(self, channel: DeliveryChannel) -> ChannelOutputs:
        return ChannelOutputs(self.connector, channel)

    def _lock(self, channel: DeliveryChannel) -> threading.RLock:
        key = (channel.account_id, channel.region, channel.name)
        with self._locks_guard:
            return self._locks.setdefault(key, threading.RLock())
