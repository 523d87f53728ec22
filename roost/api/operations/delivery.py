"""Delivery channels: Put, Describe, DescribeStatus, Delete, and DeliverConfigSnapshot.

AWS's ordering rules (recorder before channel, one channel per region, no deletion while recording)
live in roost/recorder/configuration.py; the bucket probe and snapshots in roost/delivery.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from typing import Any

from roost.api.context import RequestContext
from roost.api.operations import operation
from roost.api.wire import channel_from_wire, channel_status_to_wire, channel_to_wire
from roost.delivery import Deliverer
from roost.errors import ApiError, CloudError
from roost.model import DeliveryChannel
from roost.recorder import configuration

log = logging.getLogger(__name__)


def _channel_from_request(ctx: RequestContext, raw: dict[str, Any]) -> DeliveryChannel:
    channel = channel_from_wire(ctx.caller.account_id, ctx.caller.region, raw)
    # channel_from_wire reads an empty prefix, key or topic as "not set"; AWS rejects them, so keep
    # them empty for configuration.put_channel to reject.
    return replace(
        channel,
        s3_key_prefix="" if raw.get("s3KeyPrefix") == "" else channel.s3_key_prefix,
        s3_kms_key_arn="" if raw.get("s3KmsKeyArn") == "" else channel.s3_kms_key_arn,
        sns_topic_arn="" if raw.get("snsTopicARN") == "" else channel.sns_topic_arn,
    )


def _no_such(name: str) -> ApiError:
    return ApiError(
        "NoSuchDeliveryChannelException", f"Cannot find delivery channel with specified name '{name}'."
    )


def _deliverer(ctx: RequestContext) -> Deliverer:
    """The services' deliverer; a server started without one cannot reach buckets at all."""
    if ctx.services.deliverer is None:
        raise ApiError(
            "NotImplementedException",
            f"This roost serves the Config API without delivery, so {ctx.operation} cannot reach S3 or "
            "SNS; run `roost up` to serve it with delivery.",
        )
    return ctx.services.deliverer


def _selected(ctx: RequestContext, params: dict[str, Any]) -> list[DeliveryChannel]:
    """The channels a Describe* call names (each must exist), or all of the caller's."""
    channels = ctx.store.channels.list(ctx.source)
    names = params.get("DeliveryChannelNames")
    if not names:
        return channels
    by_name = {c.name: c for c in channels}
    selected = []
    for name in dict.fromkeys(names):
        if name not in by_name:
            raise _no_such(name)
        selected.append(by_name[name])
    return selected


@operation("PutDeliveryChannel")
def put_delivery_channel(ctx: RequestContext, params: dict[str, Any]) -> None:
    channel = _channel_from_request(ctx, params["DeliveryChannel"])
    deliverer = _deliverer(ctx)
    configuration.put_channel(
        ctx.store, channel, check_bucket=deliverer.check_writable, check_topic=deliverer.check_topic
    )


@operation("DescribeDeliveryChannels")
def describe_delivery_channels(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    return {"DeliveryChannels": [channel_to_wire(c) for c in _selected(ctx, params)]}


@operation("DescribeDeliveryChannelStatus")
def describe_delivery_channel_status(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    statuses = []
    for channel in _selected(ctx, params):
        status = ctx.store.channels.status(ctx.source, channel.name)
        if status is not None:  # None only when deleted since it was listed
            statuses.append(channel_status_to_wire(status))
    return {"DeliveryChannelsStatus": statuses}


@operation("DeleteDeliveryChannel")
def delete_delivery_channel(ctx: RequestContext, params: dict[str, Any]) -> None:
    configuration.delete_channel(ctx.store, ctx.source, params["DeliveryChannelName"])


@operation("DeliverConfigSnapshot")
def deliver_config_snapshot(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    name = params["deliveryChannelName"]
    channel = ctx.store.channels.get(ctx.source, name)
    if channel is None:
        raise _no_such(name)
    recorder = ctx.store.recorders.get(ctx.source)
    if recorder is None:
        raise ApiError(
            "NoAvailableConfigurationRecorderException",
            "There are no configuration recorders available to provide the snapshot.",
        )
    status = ctx.store.recorders.status(ctx.source, recorder.name)
    if status is None or not status.recording:
        raise ApiError(
            "NoRunningConfigurationRecorderException",
            f"The configuration recorder '{recorder.name}' is not recording: start it to deliver a snapshot.",
        )
    deliverer = _deliverer(ctx)
    try:
        snapshot_id = deliverer.deliver_snapshot(channel)
    except CloudError as error:
        # AWS schedules the delivery and answers with its id; a failed delivery shows only in
        # DescribeDeliveryChannelStatus (configSnapshotDeliveryInfo, where the deliverer put it).
        log.warning("snapshot delivery of channel %s in %s failed: %s", name, ctx.source, error)
        snapshot_id = str(uuid.uuid4())
    return {"configSnapshotId": snapshot_id}
