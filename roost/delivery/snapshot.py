"""Configuration snapshots: the current item of every resource of a source that is not deleted.

The snapshot file is written type by type, a page of resources at a time, into a spooled gzip
stream, so its size is bounded by disk, not memory. Items are the newest item of each resource,
read while the recorder may still be writing: a snapshot is consistent per resource, not a single
point in time across the account (AWS makes no stronger promise either).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from roost.clock import Clock
from roost.delivery.files import ItemsFile, snapshot_header
from roost.delivery.keys import snapshot_key
from roost.delivery.messages import (
    Announce,
    delivery_subject,
    snapshot_delivery_completed,
    snapshot_delivery_started,
)
from roost.delivery.outputs import ChannelOutputs
from roost.formats import item_record
from roost.model import AccountRegion, ConfigurationItem
from roost.store import Store


class SnapshotExport:
    def __init__(self, store: Store, clock: Clock, *, page_size: int = 500) -> None:
        self._store = store
        self._clock = clock
        self._page_size = page_size

    def deliver(self, outputs: ChannelOutputs, announce: Announce, snapshot_id: str | None = None) -> str:
        """Write a snapshot and return its key; raises CloudError when it cannot be written."""
        channel = outputs.channel
        snapshot_id = snapshot_id or str(uuid.uuid4())
        announce(
            delivery_subject(channel, "Configuration Snapshot Delivery Started"),
            snapshot_delivery_started(snapshot_id, now=self._clock.now()),
        )
        key = snapshot_key(channel, at=self._clock.now(), snapshot_id=snapshot_id)
        with ItemsFile(snapshot_header(snapshot_id)) as file:
            for item in self.current_items(channel.source):
                file.add(item_record(item))
            outputs.put_object(key, file.finish())
        announce(
            delivery_subject(channel, "Configuration Snapshot Delivery Completed"),
            snapshot_delivery_completed(snapshot_id, outputs.bucket, key, now=self._clock.now()),
        )
        return key

    def current_items(self, source: AccountRegion) -> Iterator[ConfigurationItem]:
        """The newest item of every non-deleted resource, by type then resource id."""
        items = self._store.items
        for resource_type in sorted(items.resource_counts(source)):
            after: str | None = None
            while True:
                page = items.discovered(source, resource_type, after_resource_id=after, limit=self._page_size)
                latest = items.latest_items(source, [r.key for r in page])
                for resource in page:
                    item = latest.get(resource.key)
                    if item is not None:
                        yield item
                if len(page) < self._page_size:
                    break
                after = page[-1].resource_id
