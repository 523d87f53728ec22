"""TagResource, UntagResource and ListTagsForResource through boto3 against a live roost."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import boto3
import pytest
from botocore.config import Config

from roost.api.context import RequestContext
from roost.api.operations.tags import TAGGABLE, taggable
from roost.api.pagination import encode_token
from tests.api.conftest import OTHER_KEYS, SANDBOX_KEYS, LiveApi

ROLE = "arn:aws:iam::123456789012:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
RECORDER_ARN = "arn:aws:config:us-east-1:123456789012:configuration-recorder/default"


def _tags(pairs: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in pairs.items()]


def _listed(config: Any, arn: str = RECORDER_ARN) -> dict[str, str]:
    pages = config.get_paginator("list_tags_for_resource").paginate(ResourceArn=arn)
    return {t["Key"]: t["Value"] for page in pages for t in page["Tags"]}


@pytest.fixture
def recorder(config: Any) -> str:
    config.put_configuration_recorder(ConfigurationRecorder={"name": "default", "roleARN": ROLE})
    return RECORDER_ARN


def unchecked_client(live_api: LiveApi) -> Any:
    """A boto3 client that sends what botocore itself would refuse (to see roost's own checks)."""
    return boto3.client(
        "config",
        endpoint_url=live_api.url,
        region_name="us-east-1",
        aws_access_key_id=SANDBOX_KEYS.key_id,
        aws_secret_access_key=SANDBOX_KEYS.secret,
        config=Config(parameter_validation=False, retries={"max_attempts": 1, "mode": "standard"}),
    )


def test_tag_list_and_untag_a_recorder(config: Any, recorder: str) -> None:
    assert config.list_tags_for_resource(ResourceArn=recorder)["Tags"] == []

    config.tag_resource(ResourceArn=recorder, Tags=_tags({"team": "blue", "env": "prod"}))
    # Existing keys are overwritten, the others stay; a tag's value may be empty.
    config.tag_resource(ResourceArn=recorder, Tags=[{"Key": "team", "Value": "red"}, {"Key": "cost"}])
    listed = config.list_tags_for_resource(ResourceArn=recorder)
    assert listed["Tags"] == _tags({"cost": "", "env": "prod", "team": "red"})
    assert "NextToken" not in listed

    config.untag_resource(ResourceArn=recorder, TagKeys=["env", "never-there"])
    assert _listed(config) == {"cost": "", "team": "red"}


def test_put_tags_apply_only_when_the_recorder_is_created(config: Any) -> None:
    config.put_configuration_recorder(
        ConfigurationRecorder={"name": "default", "roleARN": ROLE}, Tags=_tags({"owner": "ops"})
    )
    assert _listed(config) == {"owner": "ops"}
    config.put_configuration_recorder(
        ConfigurationRecorder={"name": "default", "roleARN": ROLE}, Tags=_tags({"owner": "dev", "new": "x"})
    )
    assert _listed(config) == {"owner": "ops"}


def test_tags_are_paged(config: Any, recorder: str, client_error: Callable[..., str]) -> None:
    wanted = {f"key-{n:02d}": f"value-{n}" for n in range(50)}
    config.tag_resource(ResourceArn=recorder, Tags=_tags(wanted))

    # The default page, and the largest one (the documented maximum is 50), hold everything.
    assert len(config.list_tags_for_resource(ResourceArn=recorder)["Tags"]) == 50
    assert len(config.list_tags_for_resource(ResourceArn=recorder, Limit=0)["Tags"]) == 50
    assert "NextToken" not in config.list_tags_for_resource(ResourceArn=recorder, Limit=50)

    seen: list[str] = []
    token = None
    while True:
        page = config.list_tags_for_resource(
            ResourceArn=recorder, Limit=7, **({"NextToken": token} if token else {})
        )
        assert len(page["Tags"]) <= 7
        seen += [t["Key"] for t in page["Tags"]]
        token = page.get("NextToken")
        if token is None:
            break
    assert seen == sorted(wanted)
    paged = config.get_paginator("list_tags_for_resource").paginate(
        ResourceArn=recorder, PaginationConfig={"PageSize": 20}
    )
    assert [len(p["Tags"]) for p in paged] == [20, 20, 10]

    first = config.list_tags_for_resource(ResourceArn=recorder, Limit=10)
    assert client_error(
        lambda: config.list_tags_for_resource(ResourceArn=recorder, NextToken="garbage!")
    ) == ("InvalidNextTokenException")
    # A token belongs to the resource it was given for, and to this operation.
    assert client_error(
        lambda: config.list_tags_for_resource(
            ResourceArn=recorder, NextToken=encode_token("ListTagsForResource", {"arn": "other", "key": "a"})
        )
    ) == ("InvalidNextTokenException")
    assert client_error(
        lambda: config.list_tags_for_resource(
            ResourceArn=recorder, NextToken=encode_token("ListConfigurationRecorders", "default")
        )
    ) == ("InvalidNextTokenException")
    assert config.list_tags_for_resource(ResourceArn=recorder, NextToken=first["NextToken"])["Tags"][0] == {
        "Key": "key-10",
        "Value": "value-10",
    }
    for limit in (51, 100):
        assert client_error(partial(config.list_tags_for_resource, ResourceArn=recorder, Limit=limit)) == (
            "InvalidLimitException"
        )


def test_no_resource_has_more_than_50_tags(
    config: Any, recorder: str, client_error: Callable[..., str]
) -> None:
    config.tag_resource(ResourceArn=recorder, Tags=_tags({f"k{n}": "v" for n in range(45)}))

    six_new_one_old = _tags({"k0": "changed", **{f"n{n}": "v" for n in range(6)}})
    assert client_error(lambda: config.tag_resource(ResourceArn=recorder, Tags=six_new_one_old)) == (
        "TooManyTagsException"
    )
    assert len(_listed(config)) == 45 and _listed(config)["k0"] == "v"
    config.tag_resource(
        ResourceArn=recorder, Tags=_tags({"k0": "changed", **{f"n{n}": "v" for n in range(5)}})
    )
    assert len(_listed(config)) == 50
    assert client_error(lambda: config.tag_resource(ResourceArn=recorder, Tags=_tags({"one-more": "v"}))) == (
        "TooManyTagsException"
    )


def test_tag_input_errors(
    config: Any, live_api: LiveApi, recorder: str, client_error: Callable[..., str]
) -> None:
    unchecked = unchecked_client(live_api)
    too_many = _tags({f"k{n}": "v" for n in range(51)})
    bad_calls: list[Callable[[], Any]] = [
        lambda: unchecked.tag_resource(ResourceArn=recorder, Tags=too_many),
        lambda: unchecked.tag_resource(ResourceArn=recorder, Tags=[]),
        lambda: unchecked.tag_resource(ResourceArn=recorder),
        lambda: unchecked.tag_resource(ResourceArn=recorder, Tags=[{"Value": "no key"}]),
        lambda: unchecked.tag_resource(ResourceArn=recorder, Tags=[{"Key": "k" * 129, "Value": "v"}]),
        lambda: unchecked.tag_resource(ResourceArn=recorder, Tags=[{"Key": "k", "Value": "v" * 257}]),
        lambda: unchecked.tag_resource(ResourceArn="", Tags=_tags({"a": "b"})),
        lambda: config.tag_resource(ResourceArn=recorder, Tags=_tags({"aws:reserved": "v"})),
        lambda: config.tag_resource(ResourceArn=recorder, Tags=_tags({"AWS:Reserved": "v"})),
        lambda: config.tag_resource(ResourceArn=recorder, Tags=[{"Key": "a", "Value": "1"}, {"Key": "a"}]),
        lambda: config.tag_resource(ResourceArn="not-an-arn", Tags=_tags({"a": "b"})),
        lambda: unchecked.untag_resource(ResourceArn=recorder, TagKeys=[]),
        lambda: unchecked.untag_resource(ResourceArn=recorder, TagKeys=[f"k{n}" for n in range(51)]),
        lambda: config.untag_resource(ResourceArn=recorder, TagKeys=["aws:cloudformation:stack-name"]),
        lambda: unchecked.list_tags_for_resource(),
        lambda: unchecked.list_tags_for_resource(ResourceArn=recorder, Limit=-1),
        lambda: unchecked.list_tags_for_resource(ResourceArn=recorder, Limit=101),
        lambda: config.list_tags_for_resource(ResourceArn="arn:aws:config"),
    ]
    assert [client_error(call) for call in bad_calls] == ["ValidationException"] * len(bad_calls)
    assert _listed(config) == {}


def test_unknown_and_absent_resources_are_not_found(config: Any, client_error: Callable[..., str]) -> None:
    absent = [
        RECORDER_ARN,  # no recorder yet
        "arn:aws:config:us-east-1:123456789012:configuration-recorder/other",
        "arn:aws:config:us-east-1:123456789012:config-rule/config-rule-abc123",  # not taggable (yet)
        "arn:aws:config:us-east-1:123456789012:something-else/x",
        "arn:aws:s3:::my-bucket",
        "arn:aws:config:eu-west-1:123456789012:configuration-recorder/default",  # another region's
        "arn:aws:config:us-east-1:210987654321:configuration-recorder/default",  # another account's
    ]
    for arn in absent:
        assert client_error(partial(config.tag_resource, ResourceArn=arn, Tags=_tags({"a": "b"}))) == (
            "ResourceNotFoundException"
        ), arn
        assert client_error(partial(config.untag_resource, ResourceArn=arn, TagKeys=["a"])) == (
            "ResourceNotFoundException"
        ), arn
        assert client_error(partial(config.list_tags_for_resource, ResourceArn=arn)) == (
            "ResourceNotFoundException"
        ), arn


def test_a_deleted_recorder_has_no_tags(config: Any, recorder: str, client_error: Callable[..., str]) -> None:
    config.tag_resource(ResourceArn=recorder, Tags=_tags({"a": "b"}))
    config.delete_configuration_recorder(ConfigurationRecorderName="default")
    assert client_error(lambda: config.list_tags_for_resource(ResourceArn=recorder)) == (
        "ResourceNotFoundException"
    )
    # Created again, with tags: it has those and no others.
    config.put_configuration_recorder(
        ConfigurationRecorder={"name": "default", "roleARN": ROLE}, Tags=_tags({"fresh": "yes"})
    )
    assert _listed(config) == {"fresh": "yes"}


def test_accounts_and_regions_do_not_see_each_others_tags(
    config: Any, live_api: LiveApi, recorder: str, client_error: Callable[..., str]
) -> None:
    config.tag_resource(ResourceArn=recorder, Tags=_tags({"mine": "yes"}))
    other = live_api.client(keys=OTHER_KEYS)
    other_region = live_api.client(region="eu-west-1")

    # Another caller cannot see or change it, even naming its ARN exactly.
    for caller in (other, other_region):
        assert client_error(partial(caller.list_tags_for_resource, ResourceArn=recorder)) == (
            "ResourceNotFoundException"
        )
        assert client_error(partial(caller.tag_resource, ResourceArn=recorder, Tags=_tags({"x": "y"}))) == (
            "ResourceNotFoundException"
        )
        assert client_error(partial(caller.untag_resource, ResourceArn=recorder, TagKeys=["mine"])) == (
            "ResourceNotFoundException"
        )

    # Their own recorders of the same name are resources of their own, with tags of their own.
    other_arn = "arn:aws:config:us-east-1:210987654321:configuration-recorder/default"
    other.put_configuration_recorder(
        ConfigurationRecorder={"name": "default", "roleARN": ROLE}, Tags=_tags({"theirs": "1"})
    )
    region_arn = "arn:aws:config:eu-west-1:123456789012:configuration-recorder/default"
    other_region.put_configuration_recorder(ConfigurationRecorder={"name": "default", "roleARN": ROLE})
    other_region.tag_resource(ResourceArn=region_arn, Tags=_tags({"region": "eu"}))
    assert _listed(other, other_arn) == {"theirs": "1"}
    assert _listed(other_region, region_arn) == {"region": "eu"}
    assert _listed(config) == {"mine": "yes"}


@pytest.fixture
def widget_kind() -> Iterator[set[str]]:
    """A taggable kind registered for one test, as a later area registers its own."""
    widgets: set[str] = set()

    @taggable("test-widget")
    def _widget_exists(ctx: RequestContext, arn: str) -> bool:
        return arn.rsplit("/", 1)[-1] in widgets

    yield widgets
    TAGGABLE._items.pop("test-widget")


def test_new_kinds_of_taggable_resource_plug_in(
    config: Any, widget_kind: set[str], client_error: Callable[..., str]
) -> None:
    arn = "arn:aws:config:us-east-1:123456789012:test-widget/w1"
    assert (
        client_error(partial(config.list_tags_for_resource, ResourceArn=arn)) == "ResourceNotFoundException"
    )
    widget_kind.add("w1")
    config.tag_resource(ResourceArn=arn, Tags=_tags({"a": "1"}))
    assert _listed(config, arn) == {"a": "1"}
    assert {"configuration-recorder", "test-widget"} <= set(TAGGABLE)
