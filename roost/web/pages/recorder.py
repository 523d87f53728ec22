"""Recorder settings: lab part 1, step 1 without a terminal. What is recorded, with which role, where
it is delivered, start and stop, the status of the recorder and of its delivery channel, retention."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from roost.model import GLOBAL_RESOURCE_TYPES, service_linked_role
from roost.recorder.collector import load_collectors
from roost.web.app import Page, page

DEFAULT_NAME = "default"


def _recorder(p: Page) -> dict[str, Any] | None:
    recorders = p.call("DescribeConfigurationRecorders").get("ConfigurationRecorders", [])
    return recorders[0] if recorders else None


def _channel(p: Page) -> dict[str, Any] | None:
    channels = p.call("DescribeDeliveryChannels").get("DeliveryChannels", [])
    return channels[0] if channels else None


def _form_from_settings(
    p: Page, recorder: dict[str, Any] | None, channel: dict[str, Any] | None
) -> dict[str, Any]:
    """The form's values: the current settings, or the lab's defaults when nothing is set up yet."""
    group = (recorder or {}).get("recordingGroup") or {
        "allSupported": True,
        "includeGlobalResourceTypes": True,
    }
    return {
        "name": (recorder or {}).get("name") or DEFAULT_NAME,
        "scope": "all" if group.get("allSupported") else "types",
        "include_global": bool(group.get("includeGlobalResourceTypes")),
        "types": list(group.get("resourceTypes") or []),
        "excluded": list((group.get("exclusionByResourceTypes") or {}).get("resourceTypes") or []),
        "role": (recorder or {}).get("roleARN") or service_linked_role(p.caller.account_id),
        "channel": (channel or {}).get("name") or DEFAULT_NAME,
        "bucket": (channel or {}).get("s3BucketName") or "",
        "prefix": (channel or {}).get("s3KeyPrefix") or "",
        "topic": (channel or {}).get("snsTopicARN") or "",
    }


def _form_from_post(p: Page) -> dict[str, Any]:
    return {
        "name": p.field("name").strip() or DEFAULT_NAME,
        "scope": "types" if p.field("scope") == "types" else "all",
        "include_global": p.field("include_global") == "on",
        "types": [t for t in p.fields("types") if t],
        "excluded": [],
        "role": p.field("role").strip() or service_linked_role(p.caller.account_id),
        "channel": p.field("channel").strip() or DEFAULT_NAME,
        "bucket": p.field("bucket").strip(),
        "prefix": p.field("prefix").strip(),
        "topic": p.field("topic").strip(),
    }


def _show(p: Page, form: dict[str, Any] | None = None) -> Response:
    recorder = _recorder(p)
    channel = _channel(p)
    statuses = p.call("DescribeConfigurationRecorderStatus").get("ConfigurationRecordersStatus", [])
    channel_statuses = (
        p.call("DescribeDeliveryChannelStatus").get("DeliveryChannelsStatus", []) if channel else []
    )
    retention = p.call("DescribeRetentionConfigurations").get("RetentionConfigurations", [])
    return p.render(
        "recorder.html",
        active="Recorder",
        recorder=recorder,
        channel=channel,
        status=statuses[0] if statuses else None,
        channel_status=channel_statuses[0] if channel_statuses else None,
        retention=retention[0] if retention else None,
        form=form or _form_from_settings(p, recorder, channel),
        collected=sorted(load_collectors()),
        global_types=GLOBAL_RESOURCE_TYPES,
    )


@page("/recorder", nav="Recorder")
def recorder_settings(p: Page) -> Response:
    return _show(p)


@page("/recorder", methods=("POST",))
def save_recorder(p: Page) -> Response:
    """PutConfigurationRecorder, then PutDeliveryChannel (AWS wants the recorder first)."""
    form = _form_from_post(p)
    if form["scope"] == "types":
        group: dict[str, Any] = {
            "allSupported": False,
            "includeGlobalResourceTypes": False,
            "resourceTypes": form["types"],
            "recordingStrategy": {"useOnly": "INCLUSION_BY_RESOURCE_TYPES"},
        }
        if not form["types"]:
            p.error("Choose at least one resource type to record, or record all supported types.")
            return _show(p, form)
    else:
        group = {
            "allSupported": True,
            "includeGlobalResourceTypes": form["include_global"],
            "recordingStrategy": {"useOnly": "ALL_SUPPORTED_RESOURCE_TYPES"},
        }
    saved = p.attempt(
        "PutConfigurationRecorder",
        ConfigurationRecorder={"name": form["name"], "roleARN": form["role"], "recordingGroup": group},
    )
    if saved is None:
        return _show(p, form)
    if not form["bucket"]:
        p.error("The recorder is saved; a delivery channel needs an S3 bucket.")
        return _show(p, form)
    channel: dict[str, Any] = {"name": form["channel"], "s3BucketName": form["bucket"]}
    if form["prefix"]:
        channel["s3KeyPrefix"] = form["prefix"]
    if form["topic"]:
        channel["snsTopicARN"] = form["topic"]
    if p.attempt("PutDeliveryChannel", DeliveryChannel=channel) is None:
        return _show(p, form)
    return p.redirect(
        "/recorder", note=f"Saved recorder {form['name']} and delivery channel {form['channel']}."
    )


@page("/recorder/start", methods=("POST",))
def start_recorder(p: Page) -> Response:
    name = p.field("name") or DEFAULT_NAME
    if p.attempt("StartConfigurationRecorder", ConfigurationRecorderName=name) is None:
        return _show(p)
    return p.redirect("/recorder", note=f"Recorder {name} is recording.")


@page("/recorder/stop", methods=("POST",))
def stop_recorder(p: Page) -> Response:
    name = p.field("name") or DEFAULT_NAME
    if p.attempt("StopConfigurationRecorder", ConfigurationRecorderName=name) is None:
        return _show(p)
    return p.redirect("/recorder", note=f"Recorder {name} is stopped.")


@page("/recorder/retention", methods=("POST",))
def save_retention(p: Page) -> Response:
    raw = p.field("days").strip()
    if not raw.isdigit():
        p.error("The retention period is a whole number of days (30 to 2557).")
        return _show(p)
    if p.attempt("PutRetentionConfiguration", RetentionPeriodInDays=int(raw)) is None:
        return _show(p)
    return p.redirect("/recorder", note=f"History is kept for {int(raw)} days.")


@page("/recorder/retention/delete", methods=("POST",))
def delete_retention(p: Page) -> Response:
    name = p.field("name") or DEFAULT_NAME
    if p.attempt("DeleteRetentionConfiguration", RetentionConfigurationName=name) is None:
        return _show(p)
    return p.redirect("/recorder", note="History is kept for the default 7 years.")
