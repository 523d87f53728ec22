"""Configuration items and the inventory: GetResourceConfigHistory, ListDiscoveredResources,
BatchGetResourceConfig, GetDiscoveredResourceCounts, and the custom resource types of
PutResourceConfig / DeleteResourceConfig.

Choices where AWS does not say (see each function for details):
* History pages: a call covers at most 7 days, anchored at the first item it returns (not at
  `laterTime`), so a page is never empty while older (or, Forward, newer) items remain in range. A page
  is cut short at the 7-day edge and then carries a `nextToken`.
* Reads stay available after the recorder is deleted: `NoAvailableConfigurationRecorderException`
  only when the caller's region has no recorder and nothing was ever recorded there.
* Custom resources (PutResourceConfig) are checked for the registry's `Org::Service::Type` form; roost
  has no CloudFormation registry to check that the type is registered, nor uses `SchemaVersionId`.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Sequence
from typing import Any

from roost.api.context import RequestContext
from roost.api.operations import operation
from roost.api.pagination import decode_token, encode_token, page_size
from roost.api.wire import base_item_to_wire, item_to_wire, resource_identifier_to_wire
from roost.clock import to_millis
from roost.errors import ApiError
from roost.model import (
    NOT_APPLICABLE_ZONE,
    AccountRegion,
    ConfigurationItem,
    ItemStatus,
    ResourceKey,
    ResourceState,
)
from roost.recorder.diff import diff_states
from roost.recorder.writer import next_state_id
from roost.store import NewItem

log = logging.getLogger(__name__)

#: One GetResourceConfigHistory call spans at most this much capture time (AWS: seven days).
HISTORY_SPAN_MS = 7 * 24 * 3600 * 1000
MAX_RESOURCE_IDS = 20
MAX_CUSTOM_CONFIGURATION_BYTES = 64 * 1024
MAX_ACTIVE_CUSTOM_RESOURCES = 100_000

#: A CloudFormation registry type name; the organization part may not be one of AWS's own.
_CUSTOM_TYPE = re.compile(r"([A-Za-z0-9]{2,64})::([A-Za-z0-9]{2,64})::([A-Za-z0-9]{2,64})")
_RESERVED_ORGS = frozenset({"aws", "amzn", "amazon", "alexa", "custom"})


def _invalid_token() -> ApiError:
    return ApiError("InvalidNextTokenException", "The nextToken provided is invalid.")


def _require_recorder_or_history(ctx: RequestContext) -> None:
    """AWS answers reads in a region without a recorder with NoAvailableConfigurationRecorder.

    roost is lenient: history recorded before the recorder was deleted stays readable (AWS's docs say
    deleting the recorder keeps the history), so the error is only for a region with no recorder
    that never recorded anything. Callers check this only when their answer would be empty anyway.
    """
    if ctx.store.recorders.list(ctx.source):
        return
    if ctx.store.items.discovered(ctx.source, include_deleted=True, limit=1):
        return
    raise ApiError(
        "NoAvailableConfigurationRecorderException",
        f"There is no configuration recorder in account {ctx.caller.account_id} "
        f"and region {ctx.caller.region}; put one first.",
    )


# --- GetResourceConfigHistory ---------------------------------------------------------------------


def _millis(seconds: int | float | None) -> int | None:
    # Epoch seconds on the wire, milliseconds in the store. Rounding (not truncating) lets a client
    # send back a capture time it read (a float, maybe a microsecond off) and still match that item.
    return None if seconds is None else round(seconds * 1000)


def _history_position(params: dict[str, Any], key: ResourceKey, forward: bool) -> int | None:
    """The state id a history token continues after; the token must be for this resource and order."""
    position = decode_token("GetResourceConfigHistory", params.get("nextToken"))
    if position is None:
        return None
    if (
        not isinstance(position, dict)
        or position.get("k") != [key.resource_type, key.resource_id]
        or position.get("f") is not forward
        or not isinstance(position.get("s"), int)
        or not 0 <= position["s"] < 2**63  # a forged token must not overflow the store's BIGINT
    ):
        raise _invalid_token()
    state_id: int = position["s"]
    return state_id


@operation("GetResourceConfigHistory")
def get_resource_config_history(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """A resource's items, newest first (or Forward: oldest first), at most 7 days of them per call.

    laterTime defaults to now and earlierTime to the first item (no bound either way). A call
    takes the first item in the chosen order within [earlierTime, laterTime], then at most `limit`
    items from there that lie within 7 days of it. When items remain (past the limit or past the
    7-day edge) the answer carries a nextToken: the next call resumes after the last item returned,
    with the same times. Items deleted resources had stay readable.
    """
    key = ResourceKey(params["resourceType"], params["resourceId"])
    limit = page_size(params.get("limit"), default=10, maximum=100)
    forward = params.get("chronologicalOrder") == "Forward"
    earlier = _millis(params.get("earlierTime"))
    later = _millis(params.get("laterTime"))
    if earlier is not None and earlier > (later if later is not None else to_millis(ctx.clock.now())):
        raise ApiError("InvalidTimeRangeException", "The earlierTime must not be later than the laterTime.")
    after = _history_position(params, key, forward)
    fetched = ctx.store.items.history(
        ctx.source,
        key,
        earlier_time_ms=earlier,
        later_time_ms=later,
        chronological=forward,
        after_state_id=after,
        limit=limit + 1,
    )
    if not fetched and after is None and ctx.store.items.current_state(ctx.source, key) is None:
        _require_recorder_or_history(ctx)
        raise ApiError(
            "ResourceNotDiscoveredException",
            f"Resource {key.resource_id} of resourceType:{key.resource_type} is unknown or has not been "
            "discovered",
        )
    page: list[ConfigurationItem] = []
    if fetched:
        anchor = fetched[0].capture_time.timestamp() * 1000
        for item in fetched[:limit]:
            if abs(item.capture_time.timestamp() * 1000 - anchor) > HISTORY_SPAN_MS:
                break
            page.append(item)
    token = None
    if len(fetched) > len(page):
        position = {
            "k": [key.resource_type, key.resource_id],
            "f": forward,
            "s": page[-1].configuration_state_id,
        }
        token = encode_token("GetResourceConfigHistory", position)
    return {"configurationItems": [item_to_wire(item) for item in page], "nextToken": token}


# --- ListDiscoveredResources ---------------------------------------------------------------------


@operation("ListDiscoveredResources")
def list_discovered_resources(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Resources of one type in resource-id order; deleted ones only with includeDeletedResources.

    resourceIds (at most 20) and resourceName narrow the list and exclude each other. Resources
    that are discovered but not recorded are listed too, as AWS does.
    """
    resource_type = params["resourceType"]
    ids = params.get("resourceIds") or None
    name = params.get("resourceName")
    if ids is not None and name is not None:
        raise ApiError(
            "ValidationException", "You can specify either resourceIds or resourceName, but not both."
        )
    if ids is not None and len(ids) > MAX_RESOURCE_IDS:
        raise ApiError(
            "ValidationException",
            f"1 validation error detected: Value at 'resourceIds' failed to satisfy constraint: "
            f"Member must have length less than or equal to {MAX_RESOURCE_IDS}",
        )
    limit = page_size(params.get("limit"), default=100, maximum=100)
    position = decode_token("ListDiscoveredResources", params.get("nextToken"))
    after: str | None = None
    if position is not None:
        if not isinstance(position, list) or len(position) != 2 or position[0] != resource_type:
            raise _invalid_token()
        if not isinstance(position[1], str):
            raise _invalid_token()
        after = position[1]
    found = ctx.store.items.discovered(
        ctx.source,
        resource_type,
        include_deleted=bool(params.get("includeDeletedResources")),
        resource_ids=ids,
        resource_name=name,
        after_resource_id=after,
        limit=limit + 1,
    )
    if not found and after is None:
        _require_recorder_or_history(ctx)
    page = found[:limit]
    token = (
        encode_token("ListDiscoveredResources", [resource_type, page[-1].resource_id])
        if len(found) > limit
        else None
    )
    return {"resourceIdentifiers": [resource_identifier_to_wire(r) for r in page], "nextToken": token}


# --- BatchGetResourceConfig ----------------------------------------------------------------------


@operation("BatchGetResourceConfig")
def batch_get_resource_config(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The latest item of each key, without tags or relationships, in the order asked.

    Deleted resources and keys never recorded are simply absent. The model's 100 keys are one
    round trip per type, so roost processes every key: unprocessedResourceKeys is always empty.
    """
    keys = list(
        dict.fromkeys(ResourceKey(k["resourceType"], k["resourceId"]) for k in params["resourceKeys"])
    )
    latest = ctx.store.items.latest_items(ctx.source, keys)
    items = [latest[k] for k in keys if k in latest and not latest[k].status.is_deletion]
    if not latest:
        _require_recorder_or_history(ctx)
    return {"baseConfigurationItems": [base_item_to_wire(i) for i in items], "unprocessedResourceKeys": []}


# --- GetDiscoveredResourceCounts -----------------------------------------------------------------


@operation("GetDiscoveredResourceCounts")
def get_discovered_resource_counts(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Non-deleted resources per type, most numerous first (ties by type name), 100 per page.

    With resourceTypes, only those types are counted, in the total as well; a type with no resources
    is left out. Without a recorder the counts are simply empty (the operation models no such error).
    """
    limit = page_size(params.get("limit"), default=100, maximum=100)
    counts = ctx.store.items.resource_counts(ctx.source)
    wanted = params.get("resourceTypes") or None
    if wanted is not None:
        counts = {t: n for t, n in counts.items() if t in set(wanted)}
    ordered = sorted(counts.items(), key=lambda tn: (-tn[1], tn[0]))
    position = decode_token("GetDiscoveredResourceCounts", params.get("nextToken"))
    if position is not None:
        if (
            not isinstance(position, list)
            or len(position) != 2
            or not isinstance(position[0], int)
            or not isinstance(position[1], str)
        ):
            raise _invalid_token()
        last = (-position[0], position[1])
        ordered = [tn for tn in ordered if (-tn[1], tn[0]) > last]
    page = ordered[:limit]
    token = (
        encode_token("GetDiscoveredResourceCounts", [page[-1][1], page[-1][0]])
        if len(ordered) > limit
        else None
    )
    return {
        "totalDiscoveredResources": sum(counts.values()),
        "resourceCounts": [{"resourceType": t, "count": n} for t, n in page],
        "nextToken": token,
    }


# --- PutResourceConfig / DeleteResourceConfig ----------------------------------------------------

_locks: dict[AccountRegion, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock(source: AccountRegion) -> threading.Lock:
    """Writes of custom resources in one source are serialized, so state ids never collide.

    Passes never write custom types (nothing collects them), so this lock suffices.
    """
    with _locks_guard:
        return _locks.setdefault(source, threading.Lock())


def _check_custom_type(resource_type: str) -> None:
    match = _CUSTOM_TYPE.fullmatch(resource_type)
    if match is None:
        raise ApiError(
            "ValidationException",
            f"The resource type {resource_type} is not a registered CloudFormation type name of the form "
            "Organization::Service::Type.",
        )
    if match.group(1).lower() in _RESERVED_ORGS:
        raise ApiError(
            "ValidationException",
            f"The resource type {resource_type} uses a reserved organization name; custom resource types "
            "may not start with AWS, Amazon, AMZN, Alexa or Custom.",
        )


def _require_running_recorder(ctx: RequestContext) -> None:
    for recorder in ctx.store.recorders.list(ctx.source):
        status = ctx.store.recorders.status(ctx.source, recorder.name)
        if status is not None and status.recording:
            return
    raise ApiError(
        "NoRunningConfigurationRecorderException",
        "There is no configuration recorder running in this region; start one to record custom resources.",
    )


def _custom_configuration(text: str) -> dict[str, Any]:
    if len(text.encode()) > MAX_CUSTOM_CONFIGURATION_BYTES:
        raise ApiError(
            "ValidationException",
            f"The configuration is {len(text.encode())} bytes; it may be at most "
            f"{MAX_CUSTOM_CONFIGURATION_BYTES} bytes (64 KB).",
        )
    try:
        configuration = json.loads(text)
    except ValueError:
        raise ApiError("ValidationException", "The configuration is not valid JSON.") from None
    if not isinstance(configuration, dict):
        raise ApiError("ValidationException", "The configuration must be a JSON object.")
    return configuration


def _publish(ctx: RequestContext, items: Sequence[ConfigurationItem]) -> None:
    """Tell the recorder's subscribers (the rule engine) about items written here, as passes do."""
    recorder = ctx.services.recorder
    for listener in list(recorder.listeners) if recorder is not None else []:
        try:
            listener(items)
        except Exception:  # the items are stored; a failing subscriber must not fail the call
            log.exception("item listener %r failed", listener)


def _active_custom_resources(ctx: RequestContext) -> int:
    return sum(n for t, n in ctx.store.items.resource_counts(ctx.source).items() if not t.startswith("AWS::"))


@operation("PutResourceConfig")
def put_resource_config(ctx: RequestContext, params: dict[str, Any]) -> None:
    """Record a custom resource's state: ResourceDiscovered first, then OK when it changes.

    A Put that changes neither configuration, name nor tags writes nothing, as a pass would not.
    Tags here are the item's `tags` (not AWS resource tags), so they change with every Put.
    """
    key = ResourceKey(params["ResourceType"], params["ResourceId"])
    _check_custom_type(key.resource_type)
    configuration = _custom_configuration(params["Configuration"])
    _require_running_recorder(ctx)
    source = ctx.source
    state = ResourceState(
        resource_type=key.resource_type,
        resource_id=key.resource_id,
        resource_name=params.get("ResourceName"),
        tags=dict(params.get("Tags") or {}),
        configuration=configuration,
    )
    with _lock(source):
        previous = ctx.store.items.current_state(source, key)
        active = previous is not None and not previous.is_deleted
        if (
            previous is not None
            and active
            and previous.content_hash == state.content_hash()
            and previous.resource_name == state.resource_name
        ):
            return None
        if not active and _active_custom_resources(ctx) >= MAX_ACTIVE_CUSTOM_RESOURCES:
            raise ApiError(
                "MaxActiveResourcesExceededException",
                f"This account and region already record {MAX_ACTIVE_CUSTOM_RESOURCES} active custom "
                "resources.",
            )
        before = ctx.store.items.latest_item(source, key) if active else None
        now = ctx.clock.now()
        item = ConfigurationItem(
            account_id=source.account_id,
            region=source.region,
            resource_type=key.resource_type,
            resource_id=key.resource_id,
            capture_time=now,
            status=ItemStatus.OK if active else ItemStatus.RESOURCE_DISCOVERED,
            configuration_state_id=next_state_id(previous, now),
            aws_region=source.region,
            resource_name=state.resource_name,
            availability_zone=NOT_APPLICABLE_ZONE,
            tags=dict(state.tags),
            configuration=configuration,
            diff=diff_states(before.state() if before is not None else None, state),
        )
        ctx.store.items.append([NewItem(item, state.content_hash())])
    _publish(ctx, [item])
    return None


@operation("DeleteResourceConfig")
def delete_resource_config(ctx: RequestContext, params: dict[str, Any]) -> None:
    """Record a custom resource's deletion (a ResourceDeleted item); deleting it again does nothing.

    A resource never put is a ValidationException (the operation models no not-found error).
    """
    key = ResourceKey(params["ResourceType"], params["ResourceId"])
    _check_custom_type(key.resource_type)
    _require_running_recorder(ctx)
    source = ctx.source
    with _lock(source):
        previous = ctx.store.items.current_state(source, key)
        if previous is None:
            raise ApiError(
                "ValidationException",
                f"No custom resource {key.resource_id} of type {key.resource_type} has been recorded.",
            )
        if previous.is_deleted:
            return None
        last = ctx.store.items.latest_item(source, key)
        now = ctx.clock.now()
        # A deletion item keeps the resource's identity and drops its configuration, as AWS's does.
        item = ConfigurationItem(
            account_id=source.account_id,
            region=source.region,
            resource_type=key.resource_type,
            resource_id=key.resource_id,
            capture_time=now,
            status=ItemStatus.RESOURCE_DELETED,
            configuration_state_id=next_state_id(previous, now),
            aws_region=source.region,
            resource_name=previous.resource_name,
            availability_zone=last.availability_zone if last is not None else NOT_APPLICABLE_ZONE,
            diff=diff_states(last.state() if last is not None else None, None),
        )
        ctx.store.items.append([NewItem(item, previous.content_hash)])
    _publish(ctx, [item])
    return None
