"""How each delivery attempt moves a channel's status (DescribeDeliveryChannelStatus).

A channel has three parts, each a DeliveryInfo:

* configHistoryDeliveryInfo and configSnapshotDeliveryInfo (S3 exports): every attempt sets
  `last_status` (Success / Failure), `last_attempt_time` and `next_delivery_time`; a success sets
  `last_successful_time` and clears the error; a failure keeps AWS's error code and message.
* configStreamDeliveryInfo (SNS): `Not_Applicable` while the channel has no topic. AWS reports a
  `lastStatusChangeTime` here rather than attempt times; DeliveryInfo has no such field, so for the
  stream `last_attempt_time` holds the time the status (or its error code) last changed, and
  `last_successful_time` the time of the last message published.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from roost.errors import CloudError
from roost.model import DeliveryInfo, DeliveryLastStatus


def export_attempted(
    info: DeliveryInfo, *, now: datetime, interval_seconds: float, error: CloudError | None = None
) -> DeliveryInfo:
    """A history or snapshot delivery attempt that ended at `now` (in `error`, or successfully)."""
    next_time = now + timedelta(seconds=interval_seconds)
    if error is None:
        return DeliveryInfo(
            last_status=DeliveryLastStatus.SUCCESS,
            last_attempt_time=now,
            last_successful_time=now,
            next_delivery_time=next_time,
        )
    return DeliveryInfo(
        last_status=DeliveryLastStatus.FAILURE,
        last_error_code=error.code,
        last_error_message=error.message,
        last_attempt_time=now,
        last_successful_time=info.last_successful_time,
        next_delivery_time=next_time,
    )


def stream_published(info: DeliveryInfo, *, now: datetime) -> DeliveryInfo:
    changed = info.last_status is not DeliveryLastStatus.SUCCESS
    return DeliveryInfo(
        last_status=DeliveryLastStatus.SUCCESS,
        last_attempt_time=now if changed or info.last_attempt_time is None else info.last_attempt_time,
        last_successful_time=now,
    )


def stream_failed(info: DeliveryInfo, error: CloudError, *, now: datetime) -> DeliveryInfo:
    changed = info.last_status is not DeliveryLastStatus.FAILURE or info.last_error_code != error.code
    return replace(
        info,
        last_status=DeliveryLastStatus.FAILURE,
        last_error_code=error.code,
        last_error_message=error.message,
        last_attempt_time=now if changed or info.last_attempt_time is None else info.last_attempt_time,
    )


def stream_not_applicable(info: DeliveryInfo, *, now: datetime) -> DeliveryInfo:
    """The channel has no SNS topic: nothing is streamed."""
    if info.last_status is DeliveryLastStatus.NOT_APPLICABLE and info.last_error_code is None:
        return info
    return DeliveryInfo(last_status=DeliveryLastStatus.NOT_APPLICABLE, last_attempt_time=now)


def is_due(info: DeliveryInfo, *, now: datetime, interval_seconds: float) -> bool:
    """An export is due when it was never attempted, or `interval_seconds` have passed since the last try.

    Measured from the last attempt with the current interval, so a channel whose frequency changed
    follows the new one at once. A failed attempt is retried at the next interval, as AWS does.
    """
    if info.last_attempt_time is None:
        return True
    return now >= info.last_attempt_time + timedelta(seconds=interval_seconds)
