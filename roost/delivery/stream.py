"""The configuration stream: one SNS message per configuration item, in the order items were recorded.

Each item after the channel's stream cursor becomes a `ConfigurationItemChangeNotification`. An
item whose message would exceed SNS's 256 KiB limit is written in full (the same message, gzipped)
to the channel's OversizedChangeNotification key instead, and SNS gets an
`OversizedConfigurationItemChangeNotification` carrying the item's summary and that S3 location.
When that S3 write fails, the summary still goes out with the error in `s3DeliverySummary`, which is
what that field is for in AWS.

The cursor moves past an item only after its message was accepted by SNS, so a crash between the
two re-sends at most that one message: the stream is at-least-once, never lossy.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass

from roost.clock import Clock
from roost.delivery.files import encode_json
from roost.delivery.keys import oversized_key
from roost.delivery.messages import (
    SNS_MAX_MESSAGE_BYTES,
    change_notification,
    change_subject,
    oversized_notification,
)
from roost.delivery.outputs import ChannelOutputs
from roost.errors import CloudError
from roost.model import ConfigurationItem
from roost.store import Store

#: SNS errors about the message itself (not the topic or the endpoint).
REJECTED_MESSAGE_CODES = frozenset({"InvalidParameter", "InvalidParameterValue", "ValidationError"})


@dataclass
class StreamResult:
    published: int = 0
    oversized: int = 0


class NotificationStream:
    def __init__(self, store: Store, clock: Clock, *, page_size: int = 200) -> None:
        self._store = store
        self._clock = clock
        self._page_size = page_size

    def skip(self, outputs: ChannelOutputs) -> None:
        """No topic: move the cursor to the end, so a topic set later gets only items recorded after it."""
        channel = outputs.channel
        newest = self._store.items.last_item_row_id()
        if self._store.channels.cursors(channel.source, channel.name)[1] != newest:  # write only on change
            self._store.channels.advance(channel.source, channel.name, stream_cursor=newest)

    def deliver(self, outputs: ChannelOutputs, result: StreamResult) -> None:
        """Publish every item after the cursor, counting into `result`; raises CloudError on a failure."""
        channel = outputs.channel
        channels = self._store.channels
        _, cursor, _ = channels.cursors(channel.source, channel.name)
        while True:
            page = self._store.items.items_after(cursor, source=channel.source, limit=self._page_size)
            for row_id, item in page:
                try:
                    oversized = self._notify(outputs, item)
                except CloudError as error:
                    if error.code not in REJECTED_MESSAGE_CODES:
                        raise  # the topic or the endpoint failed: retry this item next time
                    # SNS refuses this one message for what it is: a retry would block the stream
                    # forever. Step past it; the failure stays in the stream's status.
                    channels.advance(channel.source, channel.name, stream_cursor=row_id)
                    raise
                if oversized:
                    result.oversized += 1
                result.published += 1
                cursor = row_id
                channels.advance(channel.source, channel.name, stream_cursor=cursor)
            if len(page) < self._page_size:
                return

    def _notify(self, outputs: ChannelOutputs, item: ConfigurationItem) -> bool:
        """Publish the item's notification; True when it was too large and went through S3."""
        subject = change_subject(item)
        body = encode_json(change_notification(item, now=self._clock.now()))
        if len(body) <= SNS_MAX_MESSAGE_BYTES:
            outputs.publish(subject, body)
            return False
        key = oversized_key(outputs.channel, item)
        error: CloudError | None = None
        try:
            outputs.put_object(key, gzip.compress(body, mtime=0))
        except CloudError as exc:
            error = exc
        summary = oversized_notification(
            item,
            s3_location=outputs.location(key),
            error_code=error.code if error else None,
            error_message=error.message if error else None,
            now=self._clock.now(),
        )
        outputs.publish(subject, summary)
        return True
