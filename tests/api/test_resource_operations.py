"""Configuration items and the inventory through boto3 and the AWS CLI against a live roost:
GetResourceConfigHistory, ListDiscoveredResources, BatchGetResourceConfig, GetDiscoveredResourceCounts,
PutResourceConfig and DeleteResourceConfig."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config

from roost.api.pagination import encode_token
from roost.clock import FrozenClock, SystemClock
from roost.model import AccountRegion, ConfigurationRecorder, RecordingGroup, ResourceKey
from roost.recorder.recorder import Recorder
from roost.store import Store
from tests.api.conftest import OTHER_KEYS, LiveApi, aws_configservice
from tests.conftest import SOURCE

SG = "AWS::EC2::SecurityGroup"
BUCKET = "AWS::S3::Bucket"
ROLE = "arn:aws:iam::123456789012:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
WIDGET = "Acme::Shop::Widget"


def _put_recorder(store: Store, source: AccountRegion = SOURCE, *, running: bool = False) -> None:
    store.recorders.put(
        ConfigurationRecorder(
            source.account_id,
            source.region,
            role_arn=ROLE,
            recording_group=RecordingGroup(all_supported=True, include_global_resource_types=True),
        )
    )
    if running:
        store.recorders.set_recording(source, "default", recording=True, now=SystemClock().now())


@pytest.fixture
def recorded(live_api: LiveApi) -> Recorder:
    """The live API's recorder, with a recorder (not running) in the sandbox account's us-east-1."""
    _put_recorder(live_api.services.store)
    recorder = live_api.services.recorder
    assert recorder is not None
    return recorder


def _unchecked(live_api: LiveApi) -> Any:
    """A client that sends what it is given (botocore checks lengths before sending otherwise)."""
    return boto3.client(
        "config",
        endpoint_url=live_api.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(parameter_validation=False, retries={"max_attempts": 1}),
    )


def _group(aws: Callable[..., Any], name: str, **tags: str) -> str:
    ec2 = aws("ec2")
    group_id: str = ec2.create_security_group(GroupName=name, Description=name)["GroupId"]
    if tags:
        ec2.create_tags(Resources=[group_id], Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
    return group_id


def _retag(aws: Callable[..., Any], group_id: str, value: str) -> None:
    aws("ec2").create_tags(Resources=[group_id], Tags=[{"Key": "rev", "Value": value}])


def _history(config: Any, group_id: str, **kwargs: Any) -> dict[str, Any]:
    result: dict[str, Any] = config.get_resource_config_history(
        resourceType=SG, resourceId=group_id, **kwargs
    )
    return result


def _tag_revs(items: list[dict[str, Any]]) -> list[str]:
    return [i["tags"].get("rev", "-") for i in items]


# --- GetResourceConfigHistory --------------------------------------------------------------------


def test_history_items_have_the_api_shape_newest_first(
    config: Any, recorded: Recorder, aws: Callable[..., Any]
) -> None:
    group_id = _group(aws, "web", Name="web")
    recorded.record_pass(SOURCE, resource_types=[SG])
    _retag(aws, group_id, "2")
    recorded.record_pass(SOURCE, resource_types=[SG])

    answer = _history(config, group_id)

    assert "nextToken" not in answer
    newest, first = answer["configurationItems"]
    assert [newest["configurationItemStatus"], first["configurationItemStatus"]] == [
        "OK",
        "ResourceDiscovered",
    ]
    assert newest["tags"] == {"Name": "web", "rev": "2"} and first["tags"] == {"Name": "web"}
    assert int(newest["configurationStateId"]) > int(first["configurationStateId"])
    assert isinstance(newest["configurationStateId"], str)
    assert isinstance(newest["configurationItemCaptureTime"], datetime)
    assert newest["configurationItemCaptureTime"] >= first["configurationItemCaptureTime"]
    assert newest["accountId"] == "123456789012" and newest["awsRegion"] == "us-east-1"
    assert newest["arn"] == f"arn:aws:ec2:us-east-1:123456789012:security-group/{group_id}"
    assert (
        newest["resourceType"] == SG and newest["resourceId"] == group_id and newest["resourceName"] == "web"
    )
    assert newest["version"] == "1.3" and newest["configurationItemMD5Hash"] == ""
    assert newest["availabilityZone"] == "Not Applicable" and newest["relatedEvents"] == []
    assert isinstance(newest["configuration"], str)
    assert json.loads(newest["configuration"])["groupId"] == group_id
    (vpc,) = newest["relationships"]
    assert vpc["resourceType"] == "AWS::EC2::VPC" and vpc["relationshipName"] == "Is contained in Vpc"
    assert newest["supplementaryConfiguration"] == {}


def test_supplementary_configuration_values_are_json_strings(
    config: Any, recorded: Recorder, aws: Callable[..., Any]
) -> None:
    aws("s3").create_bucket(Bucket="audit-logs")
    recorded.record_pass(SOURCE, resource_types=[BUCKET])

    (item,) = config.get_resource_config_history(resourceType=BUCKET, resourceId="audit-logs")[
        "configurationItems"
    ]

    extra = item["supplementaryConfiguration"]
    assert extra and all(isinstance(v, str) for v in extra.values())
    assert json.loads(extra["BucketPolicy"]) == {"policyText": None}
    assert json.loads(extra["BucketVersioningConfiguration"])["status"] == "Off"
    assert item["resourceName"] == "audit-logs" and isinstance(item["configuration"], str)


def test_history_pages_with_limits_tokens_and_paginators(
    config: Any, recorded: Recorder, aws: Callable[..., Any]
) -> None:
    group_id = _group(aws, "paged")
    recorded.record_pass(SOURCE, resource_types=[SG])
    for rev in "2345":
        time.sleep(0.01)  # distinct capture milliseconds
        _retag(aws, group_id, rev)
        recorded.record_pass(SOURCE, resource_types=[SG])

    first = _history(config, group_id, limit=2, nextToken="")  # rdklib's first call sends ""
    assert _tag_revs(first["configurationItems"]) == ["5", "4"]
    second = _history(config, group_id, limit=2, nextToken=first["nextToken"])
    assert _tag_revs(second["configurationItems"]) == ["3", "2"]
    third = _history(config, group_id, limit=2, nextToken=second["nextToken"])
    assert _tag_revs(third["configurationItems"]) == ["-"] and "nextToken" not in third
    assert len(_history(config, group_id, limit=0)["configurationItems"]) == 5  # 0: the default (10)

    forward = _history(config, group_id, chronologicalOrder="Forward", limit=3)
    assert _tag_revs(forward["configurationItems"]) == ["-", "2", "3"]
    rest = _history(config, group_id, chronologicalOrder="Forward", limit=3, nextToken=forward["nextToken"])
    assert _tag_revs(rest["configurationItems"]) == ["4", "5"] and "nextToken" not in rest

    paginator = config.get_paginator("get_resource_config_history")
    pages = list(paginator.paginate(resourceType=SG, resourceId=group_id, PaginationConfig={"PageSize": 2}))
    assert [len(p["configurationItems"]) for p in pages] == [2, 2, 1]
    assert _tag_revs([i for p in pages for i in p["configurationItems"]]) == ["5", "4", "3", "2", "-"]


def test_later_time_with_limit_one_returns_the_newest_item_up_to_it(
    config: Any, recorded: Recorder, aws: Callable[..., Any]
) -> None:
    group_id = _group(aws, "oversized")
    recorded.record_pass(SOURCE, resource_types=[SG])
    for rev in "23":
        time.sleep(0.01)
        _retag(aws, group_id, rev)
        recorded.record_pass(SOURCE, resource_types=[SG])
    items = _history(config, group_id)["configurationItems"]
    middle = items[1]

    # What a rule does with an oversized notification: laterTime = the item's capture time, limit 1.
    (found,) = _history(config, group_id, laterTime=middle["configurationItemCaptureTime"], limit=1)[
        "configurationItems"
    ]
    assert found["configurationStateId"] == middle["configurationStateId"]
    (latest,) = _history(config, group_id, laterTime=datetime.now(UTC), limit=1)["configurationItems"]
    assert latest["configurationStateId"] == items[0]["configurationStateId"]
    # The ISO string form rules pass straight from the event works as well.
    capture = middle["configurationItemCaptureTime"].astimezone(UTC)
    iso = capture.strftime("%Y-%m-%dT%H:%M:%S.") + f"{capture.microsecond // 1000:03d}Z"
    (again,) = _history(config, group_id, laterTime=iso, limit=1)["configurationItems"]
    assert again["configurationStateId"] == middle["configurationStateId"]
    # earlierTime bounds the other side.
    window = _history(config, group_id, earlierTime=capture, laterTime=capture)["configurationItems"]
    assert [i["configurationStateId"] for i in window] == [middle["configurationStateId"]]


def test_one_call_spans_at_most_seven_days(
    config: Any, live_api: LiveApi, recorded: Recorder, aws: Callable[..., Any]
) -> None:
    now = datetime.now(UTC)
    clock = FrozenClock(now - timedelta(days=20))
    past = Recorder(live_api.services.store, recorded.connector, clock=clock)
    group_id = _group(aws, "slow-changes")
    past.record_pass(SOURCE, resource_types=[SG])  # day -20
    for rev, days in (("18", 2), ("10", 8), ("8", 2), ("2", 6)):
        clock.advance(timedelta(days=days))
        _retag(aws, group_id, rev)
        past.record_pass(SOURCE, resource_types=[SG])

    pages = []
    token = ""
    while True:
        answer = _history(config, group_id, nextToken=token)
        pages.append(_tag_revs(answer["configurationItems"]))
        if "nextToken" not in answer:
            break
        token = answer["nextToken"]
    # Short pages with a token: each holds only items within 7 days of its first one.
    assert pages == [["2", "8"], ["10"], ["18", "-"]]

    forward = config.get_paginator("get_resource_config_history").paginate(
        resourceType=SG, resourceId=group_id, chronologicalOrder="Forward"
    )
    assert [_tag_revs(p["configurationItems"]) for p in forward] == [["-", "18"], ["10", "8"], ["2"]]

    bounded = config.get_paginator("get_resource_config_history").paginate(
        resourceType=SG,
        resourceId=group_id,
        earlierTime=now - timedelta(days=19),
        laterTime=now - timedelta(days=9),
    )
    assert [_tag_revs(p["configurationItems"]) for p in bounded] == [["10"], ["18"]]
    # An old item is still found with no times given (laterTime defaults to now).
    (newest,) = _history(config, group_id, limit=1)["configurationItems"]
    assert newest["tags"]["rev"] == "2"
    assert newest["configurationItemCaptureTime"] < now - timedelta(days=1)


def test_history_errors(
    config: Any,
    live_api: LiveApi,
    recorded: Recorder,
    aws: Callable[..., Any],
    client_error: Callable[..., str],
) -> None:
    group_id = _group(aws, "errors")
    other_id = _group(aws, "errors-too")
    recorded.record_pass(SOURCE, resource_types=[SG])
    _retag(aws, group_id, "2")
    recorded.record_pass(SOURCE, resource_types=[SG])
    now = datetime.now(UTC)

    assert (
        client_error(lambda: _history(config, group_id, earlierTime=now, laterTime=now - timedelta(hours=1)))
        == "InvalidTimeRangeException"
    )
    assert (
        client_error(lambda: _history(config, group_id, earlierTime=now + timedelta(days=1)))
        == "InvalidTimeRangeException"
    )
    assert client_error(lambda: _history(config, group_id, limit=101)) == "ValidationException"
    assert (
        client_error(lambda: _history(config, group_id, nextToken="garbage!")) == "InvalidNextTokenException"
    )
    forged = encode_token("GetResourceConfigHistory", {"k": [SG, group_id], "f": False, "s": 10**30})
    assert client_error(lambda: _history(config, group_id, nextToken=forged)) == "InvalidNextTokenException"
    token = _history(config, group_id, limit=1)["nextToken"]
    assert client_error(lambda: _history(config, other_id, nextToken=token)) == "InvalidNextTokenException"
    assert (
        client_error(lambda: _history(config, group_id, chronologicalOrder="Forward", nextToken=token))
        == "InvalidNextTokenException"
    )
    assert client_error(lambda: _history(config, "sg-0123456789abcdef0")) == "ResourceNotDiscoveredException"
    assert (
        client_error(lambda: _history(live_api.client(region="eu-west-1"), group_id))
        == "NoAvailableConfigurationRecorderException"
    )
    # Nothing in the time range: an empty page, not an error.
    assert _history(config, group_id, laterTime=now - timedelta(days=30))["configurationItems"] == []


def test_deleted_resources_keep_their_history_and_leave_the_inventory(
    config: Any, live_api: LiveApi, recorded: Recorder, aws: Callable[..., Any]
) -> None:
    group_id = _group(aws, "short-lived")
    kept = _group(aws, "kept")
    recorded.record_pass(SOURCE, resource_types=[SG])
    aws("ec2").delete_security_group(GroupId=group_id)
    recorded.record_pass(SOURCE, resource_types=[SG])

    deleted, discovered = _history(config, group_id)["configurationItems"]
    assert deleted["configurationItemStatus"] == "ResourceDeleted"
    assert discovered["configurationItemStatus"] == "ResourceDiscovered"
    assert json.loads(deleted["configuration"]) is None and deleted["resourceName"] == "short-lived"

    listed = config.list_discovered_resources(resourceType=SG)["resourceIdentifiers"]
    assert group_id not in {r["resourceId"] for r in listed} and kept in {r["resourceId"] for r in listed}
    everything = config.list_discovered_resources(resourceType=SG, includeDeletedResources=True)
    (gone,) = [r for r in everything["resourceIdentifiers"] if r["resourceId"] == group_id]
    assert isinstance(gone["resourceDeletionTime"], datetime)
    assert gone["resourceDeletionTime"] == deleted["configurationItemCaptureTime"]
    assert all("resourceDeletionTime" not in r for r in listed)

    keys = [{"resourceType": SG, "resourceId": group_id}, {"resourceType": SG, "resourceId": kept}]
    batch = config.batch_get_resource_config(resourceKeys=keys)["baseConfigurationItems"]
    assert [i["resourceId"] for i in batch] == [kept]

    # Deleting the recorder keeps the history readable (roost is lenient here; see resources.py).
    live_api.services.store.recorders.delete(SOURCE, "default")
    assert len(_history(config, group_id)["configurationItems"]) == 2
    assert config.list_discovered_resources(resourceType=SG)["resourceIdentifiers"]


# --- ListDiscoveredResources ---------------------------------------------------------------------


def test_list_discovered_resources_filters_and_pages(
    config: Any, recorded: Recorder, aws: Callable[..., Any], client_error: Callable[..., str]
) -> None:
    ids = sorted(_group(aws, f"group-{n}") for n in range(5))
    recorded.record_pass(SOURCE, resource_types=[SG])
    every = config.list_discovered_resources(resourceType=SG)["resourceIdentifiers"]
    all_ids = [r["resourceId"] for r in every]
    assert set(ids) <= set(all_ids) and all_ids == sorted(all_ids)
    assert {r["resourceType"] for r in every} == {SG}

    by_ids = config.list_discovered_resources(resourceType=SG, resourceIds=ids[:2])["resourceIdentifiers"]
    assert [(r["resourceId"], r["resourceName"]) for r in by_ids] == [
        (i, next(e["resourceName"] for e in every if e["resourceId"] == i)) for i in ids[:2]
    ]
    (named,) = config.list_discovered_resources(resourceType=SG, resourceName="group-3")[
        "resourceIdentifiers"
    ]
    assert named["resourceName"] == "group-3"
    assert config.list_discovered_resources(resourceType=BUCKET)["resourceIdentifiers"] == []

    first = config.list_discovered_resources(resourceType=SG, limit=2, nextToken="")
    assert len(first["resourceIdentifiers"]) == 2
    second = config.list_discovered_resources(resourceType=SG, limit=2, nextToken=first["nextToken"])
    assert [r["resourceId"] for r in first["resourceIdentifiers"] + second["resourceIdentifiers"]] == all_ids[
        :4
    ]
    pages = list(
        config.get_paginator("list_discovered_resources").paginate(
            resourceType=SG, PaginationConfig={"PageSize": 2}
        )
    )
    assert [r["resourceId"] for p in pages for r in p["resourceIdentifiers"]] == all_ids
    assert all(len(p["resourceIdentifiers"]) <= 2 for p in pages)
    assert "nextToken" not in pages[-1]

    def both() -> Any:
        return config.list_discovered_resources(resourceType=SG, resourceIds=ids[:1], resourceName="group-1")

    assert client_error(both) == "ValidationException"
    too_many = [f"sg-{n:017x}" for n in range(21)]
    assert (
        client_error(lambda: config.list_discovered_resources(resourceType=SG, resourceIds=too_many))
        == "ValidationException"
    )
    assert client_error(lambda: config.list_discovered_resources(resourceType=SG, limit=101)) == (
        "ValidationException"
    )
    assert client_error(
        lambda: config.list_discovered_resources(resourceType=SG, nextToken="not-a-token")
    ) == ("InvalidNextTokenException")
    assert client_error(
        lambda: config.list_discovered_resources(resourceType=BUCKET, nextToken=first["nextToken"])
    ) == ("InvalidNextTokenException")
    assert client_error(
        lambda: config.get_resource_config_history(
            resourceType=SG, resourceId=ids[0], nextToken=first["nextToken"]
        )
    ) == ("InvalidNextTokenException")


# --- BatchGetResourceConfig ----------------------------------------------------------------------


def test_batch_get_returns_base_items_of_known_resources_in_order(
    config: Any,
    live_api: LiveApi,
    recorded: Recorder,
    aws: Callable[..., Any],
    client_error: Callable[..., str],
) -> None:
    first = _group(aws, "first", Name="first")
    second = _group(aws, "second")
    aws("s3").create_bucket(Bucket="batch-bucket")
    recorded.record_pass(SOURCE, resource_types=[SG, BUCKET])
    _retag(aws, first, "2")
    recorded.record_pass(SOURCE, resource_types=[SG])

    keys = [
        {"resourceType": BUCKET, "resourceId": "batch-bucket"},
        {"resourceType": SG, "resourceId": "sg-00000000000000000"},
        {"resourceType": SG, "resourceId": first},
        {"resourceType": SG, "resourceId": second},
        {"resourceType": SG, "resourceId": first},
    ]
    answer = config.batch_get_resource_config(resourceKeys=keys)

    assert answer["unprocessedResourceKeys"] == []
    bucket, one, two = answer["baseConfigurationItems"]
    assert (bucket["resourceId"], one["resourceId"], two["resourceId"]) == ("batch-bucket", first, second)
    assert one["configurationItemStatus"] == "OK" and two["configurationItemStatus"] == "ResourceDiscovered"
    assert json.loads(one["configuration"])["groupName"] == "first"
    assert isinstance(one["configurationStateId"], str)
    assert isinstance(one["configurationItemCaptureTime"], datetime)
    for item in answer["baseConfigurationItems"]:
        assert "tags" not in item and "relationships" not in item and "configurationItemMD5Hash" not in item
    assert all(isinstance(v, str) for v in bucket["supplementaryConfiguration"].values())
    (latest,) = _history(config, first, limit=1)["configurationItems"]
    assert one["configurationStateId"] == latest["configurationStateId"]

    unchecked = _unchecked(live_api)
    assert client_error(lambda: unchecked.batch_get_resource_config(resourceKeys=[])) == "ValidationException"
    too_many = [{"resourceType": SG, "resourceId": f"sg-{n:017x}"} for n in range(101)]
    assert client_error(lambda: unchecked.batch_get_resource_config(resourceKeys=too_many)) == (
        "ValidationException"
    )


# --- GetDiscoveredResourceCounts -----------------------------------------------------------------


def test_discovered_resource_counts_most_numerous_first(
    config: Any, recorded: Recorder, aws: Callable[..., Any], client_error: Callable[..., str]
) -> None:
    for n in range(3):
        _group(aws, f"counted-{n}")
    for name in ("count-a", "count-b"):
        aws("s3").create_bucket(Bucket=name)
    aws("sqs").create_queue(QueueName="counted-queue")
    recorded.record_pass(SOURCE, resource_types=[SG, BUCKET, "AWS::SQS::Queue"])
    store_counts = recorded.store.items.resource_counts(SOURCE)

    answer = config.get_discovered_resource_counts()
    counts = [(c["resourceType"], c["count"]) for c in answer["resourceCounts"]]
    assert counts == sorted(store_counts.items(), key=lambda tn: (-tn[1], tn[0]))
    assert counts[0][0] == SG and dict(counts)[BUCKET] == 2 and dict(counts)["AWS::SQS::Queue"] == 1
    assert answer["totalDiscoveredResources"] == sum(store_counts.values())

    filtered = config.get_discovered_resource_counts(
        resourceTypes=[BUCKET, "AWS::SQS::Queue", "AWS::KMS::Key"]
    )
    assert [(c["resourceType"], c["count"]) for c in filtered["resourceCounts"]] == [
        (BUCKET, 2),
        ("AWS::SQS::Queue", 1),
    ]
    assert filtered["totalDiscoveredResources"] == 3

    first = config.get_discovered_resource_counts(limit=1, nextToken="")
    assert [c["resourceType"] for c in first["resourceCounts"]] == [SG]
    assert first["totalDiscoveredResources"] == answer["totalDiscoveredResources"]
    second = config.get_discovered_resource_counts(limit=1, nextToken=first["nextToken"])
    assert second["resourceCounts"] == answer["resourceCounts"][1:2]
    paged, token = [], ""
    while True:  # botocore has no paginator for this operation
        page = config.get_discovered_resource_counts(limit=1, nextToken=token)
        paged += page["resourceCounts"]
        if "nextToken" not in page:
            break
        token = page["nextToken"]
    assert paged == answer["resourceCounts"]

    assert client_error(lambda: config.get_discovered_resource_counts(nextToken="nope")) == (
        "InvalidNextTokenException"
    )
    assert client_error(
        lambda: config.get_discovered_resource_counts(resourceTypes=[f"Acme::T::X{n}" for n in range(21)])
    ) == ("ValidationException")


# --- PutResourceConfig / DeleteResourceConfig -----------------------------------------------------


def _put_widget(config: Any, resource_id: str = "w-1", **changes: Any) -> None:
    params: dict[str, Any] = {
        "ResourceType": WIDGET,
        "SchemaVersionId": "00000001",
        "ResourceId": resource_id,
        "ResourceName": "gizmo",
        "Configuration": json.dumps({"colour": "red", "size": 3}),
    }
    config.put_resource_config(**(params | changes))


def test_custom_resources_are_recorded_updated_and_deleted(config: Any, live_api: LiveApi) -> None:
    store = live_api.services.store
    _put_recorder(store, running=True)
    seen: list[Any] = []
    assert live_api.services.recorder is not None
    live_api.services.recorder.listeners.append(lambda items: seen.extend(items))

    _put_widget(config, Tags={"team": "toys"})
    _put_widget(config, Tags={"team": "toys"})  # unchanged: nothing written
    blue = json.dumps({"colour": "blue", "size": 3})
    _put_widget(config, Tags={"team": "toys"}, Configuration=blue)
    _put_widget(config, Tags={"team": "toys"}, Configuration=blue, ResourceName="gadget")
    _put_widget(config, Tags={"team": "games"}, Configuration=blue, ResourceName="gadget")
    config.delete_resource_config(ResourceType=WIDGET, ResourceId="w-1")
    config.delete_resource_config(ResourceType=WIDGET, ResourceId="w-1")  # already deleted: nothing

    history = store.items.history(SOURCE, ResourceKey(WIDGET, "w-1"), chronological=True)
    assert [i.status.value for i in history] == ["ResourceDiscovered", "OK", "OK", "OK", "ResourceDeleted"]
    assert [i.configuration_state_id for i in history] == sorted({i.configuration_state_id for i in history})
    assert history[0].configuration == {"colour": "red", "size": 3} and history[0].tags == {"team": "toys"}
    assert history[1].diff is not None and "Configuration.Colour" in history[1].diff.changed_properties
    assert [i.resource_name for i in history] == ["gizmo", "gizmo", "gadget", "gadget", "gadget"]
    assert history[-1].configuration is None and history[-1].aws_region == "us-east-1"
    assert [i.status.value for i in seen] == [i.status.value for i in history]

    # The inventory and counts see custom types like any other.
    counts = config.get_discovered_resource_counts(resourceTypes=[WIDGET])
    assert counts["resourceCounts"] == [] and counts["totalDiscoveredResources"] == 0
    _put_widget(config, resource_id="w-2")
    assert config.get_discovered_resource_counts(resourceTypes=[WIDGET])["resourceCounts"] == [
        {"resourceType": WIDGET, "count": 1}
    ]
    # Putting a deleted resource again brings it back as a new discovery.
    _put_widget(config)
    again = store.items.latest_item(SOURCE, ResourceKey(WIDGET, "w-1"))
    assert again is not None and again.status.value == "ResourceDiscovered"
    assert again.configuration_state_id > history[-1].configuration_state_id


def test_custom_resources_are_read_like_any_other(config: Any, live_api: LiveApi) -> None:
    _put_recorder(live_api.services.store, running=True)
    _put_widget(config, Tags={"team": "toys"})
    _put_widget(config, Configuration=json.dumps({"colour": "blue"}))

    newest, first = config.get_resource_config_history(resourceType=WIDGET, resourceId="w-1")[
        "configurationItems"
    ]
    assert (newest["configurationItemStatus"], first["configurationItemStatus"]) == (
        "OK",
        "ResourceDiscovered",
    )
    assert json.loads(newest["configuration"]) == {"colour": "blue"} and first["tags"] == {"team": "toys"}
    (listed,) = config.list_discovered_resources(resourceType=WIDGET)["resourceIdentifiers"]
    assert listed == {"resourceType": WIDGET, "resourceId": "w-1", "resourceName": "gizmo"}
    (base,) = config.batch_get_resource_config(resourceKeys=[{"resourceType": WIDGET, "resourceId": "w-1"}])[
        "baseConfigurationItems"
    ]
    assert base["configurationStateId"] == newest["configurationStateId"]


def test_custom_resource_errors(
    config: Any, live_api: LiveApi, recorded: Recorder, client_error: Callable[..., str]
) -> None:
    # A recorder that is not running cannot record custom resources.
    assert client_error(lambda: _put_widget(config)) == "NoRunningConfigurationRecorderException"
    assert client_error(lambda: config.delete_resource_config(ResourceType=WIDGET, ResourceId="w-1")) == (
        "NoRunningConfigurationRecorderException"
    )
    store = live_api.services.store
    store.recorders.set_recording(SOURCE, "default", recording=True, now=SystemClock().now())

    bad_types = [
        "AWS::EC2::Instance",
        "aws::Shop::Widget",
        "Amazon::Shop::Widget",
        "Alexa::Skill::Thing",
        "Custom::Shop::Widget",
        "AMZN::Shop::Widget",
        "Widget",
        "Acme::Widget",
        "Acme::Sh op::W",
    ]
    for bad_type in bad_types:
        code = client_error(lambda t=bad_type: _put_widget(config, ResourceType=t))
        assert code == "ValidationException", bad_type
    assert client_error(lambda: _put_widget(config, Configuration="{not json")) == "ValidationException"
    assert client_error(lambda: _put_widget(config, Configuration="[1, 2]")) == "ValidationException"
    big = json.dumps({"blob": "x" * (64 * 1024)})
    assert client_error(lambda: _put_widget(config, Configuration=big)) == "ValidationException"
    assert client_error(lambda: _put_widget(config, SchemaVersionId="bad version!")) == "ValidationException"
    assert client_error(lambda: config.delete_resource_config(ResourceType=WIDGET, ResourceId="never")) == (
        "ValidationException"
    )
    assert client_error(
        lambda: config.delete_resource_config(ResourceType="AWS::EC2::SecurityGroup", ResourceId="sg-1")
    ) == ("ValidationException")
    assert store.items.count_items(SOURCE) == 0
    # Just under the limit is fine.
    _put_widget(config, Configuration=json.dumps({"blob": "x" * (64 * 1024 - 20)}))
    assert store.items.count_items(SOURCE) == 1


# --- isolation and the AWS CLI -------------------------------------------------------------------


def test_callers_see_only_their_own_account_and_region(
    config: Any,
    live_api: LiveApi,
    recorded: Recorder,
    aws: Callable[..., Any],
    client_error: Callable[..., str],
) -> None:
    group_id = _group(aws, "mine")
    recorded.record_pass(SOURCE, resource_types=[SG])
    _put_recorder(live_api.services.store, running=True)
    _put_widget(config)
    key = [{"resourceType": SG, "resourceId": group_id}]

    other_account = live_api.client(keys=OTHER_KEYS)
    other_region = live_api.client(region="eu-west-1")
    for client in (other_account, other_region):
        assert (
            client_error(lambda c=client: _history(c, group_id))
            == "NoAvailableConfigurationRecorderException"
        )
        assert client_error(lambda c=client: c.list_discovered_resources(resourceType=SG)) == (
            "NoAvailableConfigurationRecorderException"
        )
        assert client_error(lambda c=client: c.batch_get_resource_config(resourceKeys=key)) == (
            "NoAvailableConfigurationRecorderException"
        )
        counts = client.get_discovered_resource_counts()
        assert counts["resourceCounts"] == [] and counts["totalDiscoveredResources"] == 0
        assert client_error(lambda c=client: _put_widget(c)) == "NoRunningConfigurationRecorderException"

    # With recorders of their own, they still see none of ours.
    _put_recorder(live_api.services.store, AccountRegion(OTHER_KEYS.account_id, "us-east-1"))
    _put_recorder(live_api.services.store, AccountRegion(SOURCE.account_id, "eu-west-1"))
    for client in (other_account, other_region):
        assert client_error(lambda c=client: _history(c, group_id)) == "ResourceNotDiscoveredException"
        assert client.list_discovered_resources(resourceType=SG)["resourceIdentifiers"] == []
        assert client.batch_get_resource_config(resourceKeys=key)["baseConfigurationItems"] == []
    assert config.get_discovered_resource_counts(resourceTypes=[WIDGET])["totalDiscoveredResources"] == 1


def test_the_aws_cli_reads_history(live_api: LiveApi, recorded: Recorder, aws: Callable[..., Any]) -> None:
    group_id = _group(aws, "cli", Name="cli")
    recorded.record_pass(SOURCE, resource_types=[SG])
    answer = aws_configservice(
        live_api.url,
        "get-resource-config-history",
        "--resource-type",
        SG,
        "--resource-id",
        group_id,
        "--limit",
        "1",
    )
    (item,) = answer["configurationItems"]
    assert item["resourceId"] == group_id and item["configurationItemStatus"] == "ResourceDiscovered"
    assert item["tags"] == {"Name": "cli"} and json.loads(item["configuration"])["groupName"] == "cli"
    assert isinstance(item["configurationStateId"], str)
