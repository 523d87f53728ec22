"""Configuration history files: per resource type, the items recorded since the last delivery.

Items after the channel's history cursor are read a batch at a time (in recording order). Each
batch becomes one file per resource type, named with the capture times of its first and last item
and the channel's next file sequence number. Only when every file of a batch is in S3 do the cursor
and the sequence number move past it, in one store write. A crash or an S3 failure part-way
therefore re-delivers the batch next time, under the same keys when no new items joined it (the
objects are overwritten), and never skips an item.
"""

from __future__ import annotations

from roost.clock import Clock
from roost.delivery.files import ItemsFile, history_header
from roost.delivery.keys import history_key
from roost.delivery.messages import Announce, delivery_subject, history_delivery_completed
from roost.delivery.outputs import ChannelOutputs
from roost.formats import item_record
from roost.model import ConfigurationItem
from roost.store import Store


class HistoryExport:
    def __init__(self, store: Store, clock: Clock, *, batch_items: int = 500) -> None:
        self._store = store
        self._clock = clock
        self._batch_items = batch_items

    def deliver(self, outputs: ChannelOutputs, announce: Announce, keys: list[str]) -> None:
        """Write every pending item's history file, appending each key to `keys`; raises CloudError."""
        channel = outputs.channel
        channels = self._store.channels
        cursor, _, sequence = channels.cursors(channel.source, channel.name)
        while True:
            batch = self._store.items.items_after(cursor, source=channel.source, limit=self._batch_items)
            if not batch:
                return
            by_type: dict[str, list[ConfigurationItem]] = {}
            for _, item in batch:
                by_type.setdefault(item.resource_type, []).append(item)
            written: list[str] = []
            for resource_type in sorted(by_type):
                items = by_type[resource_type]
                sequence += 1
                key = history_key(
                    channel,
                    resource_type,
                    start=min(i.capture_time for i in items),
                    end=max(i.capture_time for i in items),
                    sequence=sequence,
                )
                with ItemsFile(history_header()) as file:
                    for item in items:
                        file.add(item_record(item))
                    outputs.put_object(key, file.finish())
                written.append(key)
            cursor = batch[-1][0]
            channels.advance(channel.source, channel.name, history_cursor=cursor, history_file_seq=sequence)
            keys.extend(written)
            for key in written:
                announce(
                    delivery_subject(channel, "Configuration History Delivery Completed"),
                    history_delivery_completed(outputs.bucket, key, now=self._clock.now()),
                )
            if len(batch) < self._batch_items:
                return
