"""Configuration recorders: Put, Describe, DescribeStatus, List, Start, Stop, Delete,
Associate/DisassociateResourceTypes. AWS's rules live in roost/recorder/configuration.py."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from roost.api.context import RequestContext
from roost.api.operations import operation
from roost.api.operations.tags import check_tags, forget_tags, tag_on_create
from roost.api.pagination import decode_token, encode_token, page_size
from roost.api.wire import recorder_status_to_wire, recorder_to_wire
from roost.errors import ApiError
from roost.formats import recording_group_from_wire, recording_mode_from_wire
from roost.model import ConfigurationRecorder, RecordingStrategy
from roost.recorder import configuration
from roost.recorder.recording_group import validate_recording_group


def _no_such(name: str) -> ApiError:
    return ApiError(
        "NoSuchConfigurationRecorderException",
        f"Cannot find configuration recorder with the specified name '{name}'.",
    )


def _selected(ctx: RequestContext, params: dict[str, Any]) -> list[ConfigurationRecorder]:
    """The recorders a Describe* call names: by name (at most one), by ARN, or all of the caller's."""
    names = params.get("ConfigurationRecorderNames") or []
    arn = params.get("Arn")
    if params.get("ServicePrincipal"):
        # roost has no service-linked recorders: none matches a service principal.
        raise ApiError(
            "NoSuchConfigurationRecorderException",
            f"Cannot find a configuration recorder for service principal '{params['ServicePrincipal']}'.",
        )
    if len(names) > 1:
        raise ApiError(
            "ValidationException", "Only one configuration recorder name may be given per request."
        )
    recorders = ctx.store.recorders.list(ctx.source)
    if names:
        found = [r for r in recorders if r.name == names[0]]
        if not found:
            raise _no_such(names[0])
        recorders = found
    if arn:
        found = [r for r in recorders if r.arn == arn]
        if not found:
            raise ApiError(
                "NoSuchConfigurationRecorderException", f"Cannot find configuration recorder {arn}."
            )
        recorders = found
    return recorders


@operation("PutConfigurationRecorder")
def put_configuration_recorder(ctx: RequestContext, params: dict[str, Any]) -> None:
    raw = params["ConfigurationRecorder"]
    if raw.get("servicePrincipal") or raw.get("recordingScope") == "INTERNAL":
        raise ApiError(
            "UnmodifiableEntityException", "Service-linked configuration recorders cannot be changed here."
        )
    recorder = ConfigurationRecorder(
        account_id=ctx.caller.account_id,
        region=ctx.caller.region,
        name=raw.get("name") or "default",
        role_arn=raw.get("roleARN") or "",
        recording_group=recording_group_from_wire(raw.get("recordingGroup")),
        recording_mode=recording_mode_from_wire(raw.get("recordingMode")),
    )
    created = ctx.store.recorders.get(ctx.source, recorder.name) is None
    if created and params.get("Tags"):
        check_tags(params["Tags"])
    configuration.put_recorder(ctx.store, recorder)
    if created:
        tag_on_create(ctx, recorder.arn, params.get("Tags") or [])
    ctx.services.recording_changed()
    return None


@operation("DescribeConfigurationRecorders")
def describe_configuration_recorders(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    return {"ConfigurationRecorders": [recorder_to_wire(r) for r in _selected(ctx, params)]}


@operation("DescribeConfigurationRecorderStatus")
def describe_configuration_recorder_status(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    statuses = []
    for recorder in _selected(ctx, params):
        status = ctx.store.recorders.status(ctx.source, recorder.name)
        if status is not None:
            statuses.append(recorder_status_to_wire(recorder, status))
    return {"ConfigurationRecordersStatus": statuses}


@operation("ListConfigurationRecorders")
def list_configuration_recorders(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    limit = page_size(params.get("MaxResults"), default=20, maximum=20)
    token = params.get("NextToken")
    start = decode_token("ListConfigurationRecorders", token, error_code="ValidationException") or ""
    recorders = [r for r in ctx.store.recorders.list(ctx.source) if r.name > start]
    for recorder_filter in params.get("Filters") or []:
        values = set(recorder_filter.get("filterValue") or [])
        if recorder_filter.get("filterName") == "recordingScope":
            recorders = [r for r in recorders if "PAID" in values]
        elif recorder_filter.get("filterName") == "servicePrincipal":
            recorders = []  # no service-linked recorders in roost
    page = recorders[:limit]
    return {
        "ConfigurationRecorderSummaries": [
            {"arn": r.arn, "name": r.name, "recordingScope": "PAID"} for r in page
        ],
        "NextToken": encode_token("ListConfigurationRecorders", page[-1].name)
        if len(recorders) > limit
        else None,
    }


@operation("StartConfigurationRecorder")
def start_configuration_recorder(ctx: RequestContext, params: dict[str, Any]) -> None:
    configuration.start_recorder(ctx.store, ctx.source, params["ConfigurationRecorderName"], clock=ctx.clock)
    ctx.services.recording_changed()


@operation("StopConfigurationRecorder")
def stop_configuration_recorder(ctx: RequestContext, params: dict[str, Any]) -> None:
    configuration.stop_recorder(ctx.store, ctx.source, params["ConfigurationRecorderName"], clock=ctx.clock)
    ctx.services.recording_changed()


@operation("DeleteConfigurationRecorder")
def delete_configuration_recorder(ctx: RequestContext, params: dict[str, Any]) -> None:
    recorder = ctx.store.recorders.get(ctx.source, params["ConfigurationRecorderName"])
    configuration.delete_recorder(ctx.store, ctx.source, params["ConfigurationRecorderName"])
    if recorder is not None:
        forget_tags(ctx, recorder.arn)  # a deleted resource's tags go with it
    ctx.services.recording_changed()


def _by_arn(ctx: RequestContext, arn: str) -> ConfigurationRecorder:
    for recorder in ctx.store.recorders.list(ctx.source):
        if recorder.arn == arn:
            return recorder
    raise ApiError("NoSuchConfigurationRecorderException", f"Cannot find configuration recorder {arn}.")


def _change_types(ctx: RequestContext, params: dict[str, Any], *, associate: bool) -> dict[str, Any]:
    recorder = _by_arn(ctx, params["ConfigurationRecorderArn"])
    group = recorder.recording_group
    types = list(params["ResourceTypes"])
    if group.strategy is RecordingStrategy.ALL_SUPPORTED_RESOURCE_TYPES:
        raise ApiError(
            "ValidationException",
            "Resource types can be associated or disassociated only with the INCLUSION_BY_RESOURCE_TYPES or "
            "EXCLUSION_BY_RESOURCE_TYPES recording strategy.",
        )
    # Associating means "record these": add them to an inclusion list, take them off an exclusion list.
    inclusion = group.strategy is RecordingStrategy.INCLUSION_BY_RESOURCE_TYPES
    current = list(group.resource_types if inclusion else group.exclusion_resource_types)
    adding = associate == inclusion
    if adding:
        present = sorted(set(types) & set(current))
        if present:
            raise ApiError("ValidationException", f"Already in the recording group: {', '.join(present)}.")
        updated = current + [t for t in dict.fromkeys(types)]
    else:
        missing = sorted(set(types) - set(current))
        if missing:
            raise ApiError("ValidationException", f"Not in the recording group: {', '.join(missing)}.")
        updated = [t for t in current if t not in types]
    if not updated:
        raise ApiError("ConflictException", "The recording group would be left with no resource types.")
    new_group = (
        replace(group, resource_types=tuple(updated))
        if inclusion
        else replace(group, exclusion_resource_types=tuple(updated))
    )
    try:
        validate_recording_group(new_group)
    except ApiError as error:
        raise ApiError("ValidationException", error.message) from None
    changed = replace(recorder, recording_group=new_group)
    ctx.store.recorders.put(changed)
    ctx.services.recording_changed()
    return {"ConfigurationRecorder": recorder_to_wire(changed)}


@operation("AssociateResourceTypes")
def associate_resource_types(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    return _change_types(ctx, params, associate=True)


@operation("DisassociateResourceTypes")
def disassociate_resource_types(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    return _change_types(ctx, params, associate=False)
