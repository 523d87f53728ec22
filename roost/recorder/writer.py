"""Writing items: statuses, state ids, diffs, one transaction per batch, then the listeners.

The recorder decides what to collect and what changed; this module decides what the new items say.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from roost.clock import Clock, to_millis
from roost.errors import CloudError
from roost.model import (
    GLOBAL_REGION,
    AccountRegion,
    ConfigurationItem,
    DiscoveredResource,
    ItemStatus,
    RecordingFrequency,
    ResourceState,
)
from roost.recorder.diff import diff_states
from roost.store import NewItem, Store

log = logging.getLogger(__name__)

ItemListener = Callable[[Sequence[ConfigurationItem]], None]
"""Called with each batch of items right after it is committed (the rule engine subscribes here)."""


def next_state_id(previous: DiscoveredResource | None, now: datetime) -> int:
    """The `configurationStateId` of a resource's next item, given its current state (None: new).

    AWS's modern state ids are the capture time in epoch milliseconds; roost keeps that form and
    adds the guarantee that ids only grow per resource, even if the clock steps back. Everything that
    writes items (passes, PutResourceConfig) numbers them here.
    """
    capture = to_millis(now)
    return capture if previous is None else max(capture, previous.configuration_state_id + 1)


def internal_error(exc: BaseException) -> CloudError:
    """An unexpected exception, as the error a user reads in the recorder status."""
    return CloudError("InternalError", f"{type(exc).__name__}: {exc} (a roost bug: please report it)")


def identity_only(state: ResourceState) -> ResourceState:
    """What AWS keeps of a resource whose type is not recorded: who it is, not what it is."""
    return ResourceState(
        resource_type=state.resource_type,
        resource_id=state.resource_id,
        resource_name=state.resource_name,
        arn=state.arn,
        availability_zone=state.availability_zone,
        resource_creation_time=state.resource_creation_time,
    )


class ItemWriter:
    def __init__(self, store: Store, clock: Clock, listeners: list[ItemListener]) -> None:
        self.store = store
        self.clock = clock
        self.listeners = listeners

    @staticmethod
    def changed(previous: DiscoveredResource | None, state: ResourceState, *, recorded: bool) -> bool:
        if previous is None or previous.is_deleted:
            return True
        was_recorded = previous.status is not ItemStatus.RESOURCE_NOT_RECORDED
        return was_recorded != recorded or previous.content_hash != state.content_hash()

    def write(
        self,
        source: AccountRegion,
        current: dict[str, DiscoveredResource],
        states: Sequence[ResourceState],
        frequency: RecordingFrequency,
        *,
        recorded: bool,
        global_resource: bool,
    ) -> int:
        """Items for the states that changed, in one transaction; returns how many were written."""
        now = self.clock.now()
        known = [s.key for s in states if s.resource_id in current and not current[s.resource_id].is_deleted]
        previous_items = self.store.items.latest_items(source, known) if known else {}
        batch: list[NewItem] = []
        rehash: dict[str, str] = {}
        for state in states:
            previous = current.get(state.resource_id)
            before = previous_items.get(state.key)
            new_to_recording = (
                previous is None or previous.is_deleted or previous.status is ItemStatus.RESOURCE_NOT_RECORDED
            )
            if not recorded:
                status = ItemStatus.RESOURCE_NOT_RECORDED
            elif new_to_recording:
                status = ItemStatus.RESOURCE_DISCOVERED
            else:
                status = ItemStatus.OK
            diff = diff_states(before.state() if before is not None else None, state)
            if recorded and before is not None and not new_to_recording and not diff.changed_properties:
                # Only the order of a list changed (the content hash sees order; AWS's diff does not):
                # no new item, but remember the new hash so the next pass does not look again.
                rehash[state.resource_id] = state.content_hash()
                continue
            item = ConfigurationItem(
                account_id=source.account_id,
                region=source.region,
                resource_type=state.resource_type,
                resource_id=state.resource_id,
                capture_time=now,
                status=status,
                configuration_state_id=next_state_id(previous, now),
                aws_region=GLOBAL_REGION if global_resource else source.region,
                resource_name=state.resource_name,
                arn=state.arn,
                availability_zone=state.availability_zone,
                resource_creation_time=state.resource_creation_time,
                tags=dict(state.tags),
                relationships=state.relationships,
                configuration=state.configuration,
                supplementary_configuration=dict(state.supplementary_configuration),
                recording_frequency=frequency,
                delivery_time=now if frequency is RecordingFrequency.DAILY else None,
                diff=diff,
            )
            batch.append(NewItem(item, state.content_hash()))
        if rehash:
            self.store.items.set_content_hashes(source, states[0].resource_type, rehash)
            for resource_id, content_hash in rehash.items():
                current[resource_id] = replace(current[resource_id], content_hash=content_hash)
        return self._commit(source, current, batch)

    def write_deletions(
        self, source: AccountRegion, gone: Sequence[DiscoveredResource], *, global_resource: bool
    ) -> int:
        """ResourceDeleted (or ResourceDeletedNotRecorded) items for resources that are gone."""
        if not gone:
            return 0
        now = self.clock.now()
        before = self.store.items.latest_items(source, [r.key for r in gone])
        batch: list[NewItem] = []
        for resource in gone:
            last = before.get(resource.key)
            status = (
                ItemStatus.RESOURCE_DELETED_NOT_RECORDED
                if resource.status is ItemStatus.RESOURCE_NOT_RECORDED
                else ItemStatus.RESOURCE_DELETED
            )
            # A deletion item keeps the resource's identity and drops its configuration, as AWS's does.
            item = ConfigurationItem(
                account_id=source.account_id,
                region=source.region,
                resource_type=resource.resource_type,
                resource_id=resource.resource_id,
                capture_time=now,
                status=status,
                configuration_state_id=next_state_id(resource, now),
                aws_region=GLOBAL_REGION if global_resource else source.region,
                resource_name=resource.resource_name,
                arn=last.arn if last else None,
                availability_zone=last.availability_zone if last else "Not Applicable",
                resource_creation_time=last.resource_creation_time if last else None,
                diff=diff_states(last.state() if last else None, None),
            )
            batch.append(NewItem(item, resource.content_hash))
        current = {r.resource_id: r for r in gone}
        return self._commit(source, current, batch)

    def _commit(
        self, source: AccountRegion, current: dict[str, DiscoveredResource], batch: list[NewItem]
    ) -> int:
        if not batch:
            return 0
        self.store.items.append(batch)
        for new in batch:
            item = new.item
            current[item.resource_id] = DiscoveredResource(
                account_id=item.account_id,
                region=item.region,
                resource_type=item.resource_type,
                resource_id=item.resource_id,
                resource_name=item.resource_name,
                status=item.status,
                configuration_state_id=item.configuration_state_id,
                content_hash=new.content_hash,
                last_capture_time=item.capture_time,
                deletion_time=item.capture_time if item.status.is_deletion else None,
            )
        items = [n.item for n in batch]
        for listener in list(self.listeners):
            try:
                listener(items)
            except Exception:  # a failing subscriber must not stop recording; the items are stored
                log.exception("item listener %r failed", listener)
        return len(batch)
