"""Aggregators, aggregation authorizations and pending aggregation requests through boto3 against a
live roost: the aggregator account is the sandbox (123456789012), the source account 210987654321."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest

from roost.api.auth import KeyPair
from roost.model import ConfigurationRecorder
from tests.api.conftest import OTHER_KEYS, LiveApi

OWN = "123456789012"
OTHER = "210987654321"
ROLE = "arn:aws:iam::123456789012:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
ORG_ROLE = "arn:aws:iam::123456789012:role/org-aggregator"
ARN = re.compile(r"arn:aws:config:us-east-1:123456789012:config-aggregator/config-aggregator-[a-z0-9]{8}")


def _accounts(ids: list[str], regions: list[str] | None = None) -> list[dict[str, Any]]:
    if regions is None:
        return [{"AccountIds": ids, "AllAwsRegions": True}]
    return [{"AccountIds": ids, "AwsRegions": regions}]


def _statuses(config: Any, name: str, **kwargs: Any) -> dict[tuple[str, str], dict[str, Any]]:
    pages = config.get_paginator("describe_configuration_aggregator_sources_status").paginate(
        ConfigurationAggregatorName=name, **kwargs
    )
    return {(s["SourceId"], s["AwsRegion"]): s for page in pages for s in page["AggregatedSourceStatusList"]}


def _pending(client: Any) -> list[tuple[str, str]]:
    found = client.describe_pending_aggregation_requests()["PendingAggregationRequests"]
    return [(r["RequesterAccountId"], r["RequesterAwsRegion"]) for r in found]


def _other(live_api: LiveApi, region: str) -> Any:
    return live_api.client(keys=OTHER_KEYS, region=region)


# --- PutConfigurationAggregator ----------------------------------------------------------------------


def test_put_an_account_aggregator_with_listed_regions(config: Any) -> None:
    made = config.put_configuration_aggregator(
        ConfigurationAggregatorName="listed",
        AccountAggregationSources=_accounts([OTHER, OWN], ["eu-west-1", "us-east-1"]),
    )["ConfigurationAggregator"]

    assert made["ConfigurationAggregatorName"] == "listed"
    assert ARN.fullmatch(made["ConfigurationAggregatorArn"])
    assert made["AccountAggregationSources"] == [
        {"AccountIds": [OTHER, OWN], "AwsRegions": ["eu-west-1", "us-east-1"], "AllAwsRegions": False}
    ]
    assert "OrganizationAggregationSource" not in made
    assert "AggregatorFilters" not in made
    assert made["CreationTime"] == made["LastUpdatedTime"]

    described = config.describe_configuration_aggregators()["ConfigurationAggregators"]
    assert described == [made]


def test_put_an_account_aggregator_with_all_regions(config: Any) -> None:
    made = config.put_configuration_aggregator(
        ConfigurationAggregatorName="everywhere", AccountAggregationSources=_accounts([OTHER])
    )["ConfigurationAggregator"]

    assert made["AccountAggregationSources"] == [{"AccountIds": [OTHER], "AllAwsRegions": True}]


@pytest.mark.parametrize(
    "source",
    [
        {"AccountIds": [OTHER], "AllAwsRegions": True, "AwsRegions": ["us-east-1"]},
        {"AccountIds": [OTHER]},
        {"AccountIds": [OTHER], "AllAwsRegions": False},
    ],
    ids=["both", "neither", "neither-false"],
)
def test_an_account_source_gives_all_regions_or_listed_regions(
    config: Any, client_error: Callable[..., str], source: dict[str, Any]
) -> None:
    code = client_error(
        lambda: config.put_configuration_aggregator(
            ConfigurationAggregatorName="bad", AccountAggregationSources=[source]
        )
    )
    assert code == "InvalidParameterValueException"
    assert config.describe_configuration_aggregators()["ConfigurationAggregators"] == []


def test_an_organization_source_gives_all_regions_or_listed_regions(
    config: Any, client_error: Callable[..., str]
) -> None:
    for organization in (
        {"RoleArn": ORG_ROLE},
        {"RoleArn": ORG_ROLE, "AllAwsRegions": True, "AwsRegions": ["us-east-1"]},
    ):
        code = client_error(
            lambda o=organization: config.put_configuration_aggregator(
                ConfigurationAggregatorName="bad", OrganizationAggregationSource=o
            )
        )
        assert code == "InvalidParameterValueException"


def test_an_aggregator_has_account_sources_or_an_organization_source(
    config: Any, client_error: Callable[..., str]
) -> None:
    both = client_error(
        lambda: config.put_configuration_aggregator(
            ConfigurationAggregatorName="both",
            AccountAggregationSources=_accounts([OTHER]),
            OrganizationAggregationSource={"RoleArn": ORG_ROLE, "AllAwsRegions": True},
        )
    )
    neither = client_error(lambda: config.put_configuration_aggregator(ConfigurationAggregatorName="neither"))

    assert both == neither == "InvalidParameterValueException"
    assert config.describe_configuration_aggregators()["ConfigurationAggregators"] == []


def test_an_update_replaces_the_account_list_and_keeps_arn_and_creation_time(config: Any) -> None:
    first = config.put_configuration_aggregator(
        ConfigurationAggregatorName="team",
        AccountAggregationSources=_accounts([OTHER, "111122223333"], ["us-east-1"]),
    )["ConfigurationAggregator"]
    time.sleep(0.02)
    second = config.put_configuration_aggregator(
        ConfigurationAggregatorName="team",
        AccountAggregationSources=_accounts(["444455556666"]),
    )["ConfigurationAggregator"]

    assert second["ConfigurationAggregatorArn"] == first["ConfigurationAggregatorArn"]
    assert second["CreationTime"] == first["CreationTime"]
    assert second["LastUpdatedTime"] > first["LastUpdatedTime"]
    # Replaced, not merged: the earlier accounts and regions are gone.
    assert second["AccountAggregationSources"] == [{"AccountIds": ["444455556666"], "AllAwsRegions": True}]
    (described,) = config.describe_configuration_aggregators()["ConfigurationAggregators"]
    assert described == second


def test_aggregator_filters_round_trip(config: Any) -> None:
    filters = {
        "ResourceType": {"Type": "INCLUDE", "Value": ["AWS::EC2::Instance", "AWS::S3::Bucket"]},
        "ServicePrincipal": {"Type": "INCLUDE", "Value": ["config-conforms.amazonaws.com"]},
    }
    made = config.put_configuration_aggregator(
        ConfigurationAggregatorName="filtered",
        AccountAggregationSources=_accounts([OTHER]),
        AggregatorFilters=filters,
    )["ConfigurationAggregator"]

    assert made["AggregatorFilters"] == filters
    (described,) = config.describe_configuration_aggregators()["ConfigurationAggregators"]
    assert described["AggregatorFilters"] == filters

    # An update without filters drops them.
    updated = config.put_configuration_aggregator(
        ConfigurationAggregatorName="filtered", AccountAggregationSources=_accounts([OTHER])
    )["ConfigurationAggregator"]
    assert "AggregatorFilters" not in updated


def test_tags_given_on_create_are_listed_and_deleted_with_the_aggregator(config: Any) -> None:
    arn = config.put_configuration_aggregator(
        ConfigurationAggregatorName="tagged",
        AccountAggregationSources=_accounts([OTHER]),
        Tags=[{"Key": "team", "Value": "blue"}, {"Key": "env", "Value": "prod"}],
    )["ConfigurationAggregator"]["ConfigurationAggregatorArn"]

    assert config.list_tags_for_resource(ResourceArn=arn)["Tags"] == [
        {"Key": "env", "Value": "prod"},
        {"Key": "team", "Value": "blue"},
    ]
    # Tags on an update are ignored (as for every Put*); TagResource changes them.
    config.put_configuration_aggregator(
        ConfigurationAggregatorName="tagged",
        AccountAggregationSources=_accounts([OTHER]),
        Tags=[{"Key": "team", "Value": "red"}],
    )
    config.tag_resource(ResourceArn=arn, Tags=[{"Key": "cost", "Value": "1"}])
    listed = {t["Key"]: t["Value"] for t in config.list_tags_for_resource(ResourceArn=arn)["Tags"]}
    assert listed == {"cost": "1", "env": "prod", "team": "blue"}

    config.delete_configuration_aggregator(ConfigurationAggregatorName="tagged")
    with pytest.raises(config.exceptions.ResourceNotFoundException):
        config.list_tags_for_resource(ResourceArn=arn)


def test_at_most_50_aggregators(config: Any, client_error: Callable[..., str]) -> None:
    for n in range(50):
        config.put_configuration_aggregator(
            ConfigurationAggregatorName=f"agg-{n:02d}", AccountAggregationSources=_accounts([OTHER])
        )

    code = client_error(
        lambda: config.put_configuration_aggregator(
            ConfigurationAggregatorName="one-too-many", AccountAggregationSources=_accounts([OTHER])
        )
    )
    assert code == "LimitExceededException"
    # Updating one of the 50 is still allowed, and a deleted one makes room.
    config.put_configuration_aggregator(
        ConfigurationAggregatorName="agg-00", AccountAggregationSources=_accounts([OWN])
    )
    config.delete_configuration_aggregator(ConfigurationAggregatorName="agg-01")
    config.put_configuration_aggregator(
        ConfigurationAggregatorName="one-too-many", AccountAggregationSources=_accounts([OTHER])
    )


def test_aggregators_belong_to_their_account_and_region(live_api: LiveApi, config: Any) -> None:
    config.put_configuration_aggregator(
        ConfigurationAggregatorName="mine", AccountAggregationSources=_accounts([OTHER])
    )

    elsewhere = live_api.client(region="eu-west-1")
    assert elsewhere.describe_configuration_aggregators()["ConfigurationAggregators"] == []
    assert (
        _other(live_api, "us-east-1").describe_configuration_aggregators()["ConfigurationAggregators"] == []
    )
    with pytest.raises(elsewhere.exceptions.NoSuchConfigurationAggregatorException):
        elsewhere.delete_configuration_aggregator(ConfigurationAggregatorName="mine")


# --- DescribeConfigurationAggregators / DeleteConfigurationAggregator -------------------------------


def test_describe_by_names(config: Any, client_error: Callable[..., str]) -> None:
    for name in ("alpha", "beta", "gamma"):
        config.put_configuration_aggregator(
            ConfigurationAggregatorName=name, AccountAggregationSources=_accounts([OTHER])
        )

    found = config.describe_configuration_aggregators(ConfigurationAggregatorNames=["gamma", "alpha"])
    assert {a["ConfigurationAggregatorName"] for a in found["ConfigurationAggregators"]} == {"alpha", "gamma"}
    assert "NextToken" not in found

    code = client_error(
        lambda: config.describe_configuration_aggregators(ConfigurationAggregatorNames=["alpha", "nope"])
    )
    assert code == "NoSuchConfigurationAggregatorException"


def test_describe_pages_with_limit_and_next_token(config: Any, client_error: Callable[..., str]) -> None:
    names = [f"agg-{n}" for n in range(7)]
    for name in names:
        config.put_configuration_aggregator(
            ConfigurationAggregatorName=name, AccountAggregationSources=_accounts([OTHER])
        )

    seen: list[str] = []
    pages = 0
    kwargs: dict[str, Any] = {"Limit": 3}
    while True:
        page = config.describe_configuration_aggregators(**kwargs)
        pages += 1
        assert len(page["ConfigurationAggregators"]) <= 3
        seen += [a["ConfigurationAggregatorName"] for a in page["ConfigurationAggregators"]]
        if "NextToken" not in page:
            break
        kwargs["NextToken"] = page["NextToken"]
    assert seen == names
    assert pages == 3

    # Limit 0 is the default page (everything here).
    assert len(config.describe_configuration_aggregators(Limit=0)["ConfigurationAggregators"]) == 7
    # Beyond the model's range (0..100): the model's check answers first.
    assert client_error(lambda: config.describe_configuration_aggregators(Limit=101)) == (
        "ValidationException"
    )
    assert client_error(lambda: config.describe_configuration_aggregators(NextToken="not-a-token")) == (
        "InvalidNextTokenException"
    )


def test_describe_pages_through_named_aggregators(config: Any) -> None:
    for name in ("a1", "a2", "a3", "a4"):
        config.put_configuration_aggregator(
            ConfigurationAggregatorName=name, AccountAggregationSources=_accounts([OTHER])
        )

    pages = config.get_paginator("describe_configuration_aggregators").paginate(
        ConfigurationAggregatorNames=["a4", "a1", "a3"], PaginationConfig={"PageSize": 1}
    )
    seen = [a["ConfigurationAggregatorName"] for page in pages for a in page["ConfigurationAggregators"]]
    assert sorted(seen) == ["a1", "a3", "a4"]


def test_delete(config: Any, client_error: Callable[..., str]) -> None:
    config.put_configuration_aggregator(
        ConfigurationAggregatorName="gone", AccountAggregationSources=_accounts([OTHER])
    )
    config.delete_configuration_aggregator(ConfigurationAggregatorName="gone")

    assert config.describe_configuration_aggregators()["ConfigurationAggregators"] == []
    for call in (
        lambda: config.delete_configuration_aggregator(ConfigurationAggregatorName="gone"),
        lambda: config.describe_configuration_aggregators(ConfigurationAggregatorNames=["gone"]),
        lambda: config.describe_configuration_aggregator_sources_status(ConfigurationAggregatorName="gone"),
    ):
        assert client_error(call) == "NoSuchConfigurationAggregatorException"


# --- DescribeConfigurationAggregatorSourcesStatus -----------------------------------------------------


def test_own_regions_succeed_and_another_account_needs_its_authorization(
    live_api: LiveApi, config: Any
) -> None:
    config.put_configuration_aggregator(
        ConfigurationAggregatorName="team",
        AccountAggregationSources=_accounts([OWN, OTHER], ["us-east-1", "eu-west-1"]),
    )

    statuses = _statuses(config, "team")
    assert sorted(statuses) == [
        (OWN, "eu-west-1"),
        (OWN, "us-east-1"),
        (OTHER, "eu-west-1"),
        (OTHER, "us-east-1"),
    ]
    for region in ("us-east-1", "eu-west-1"):
        own = statuses[(OWN, region)]
        assert own["SourceType"] == "ACCOUNT"
        assert own["LastUpdateStatus"] == "SUCCEEDED"
        assert "LastErrorCode" not in own
        other = statuses[(OTHER, region)]
        assert other["SourceType"] == "ACCOUNT"
        assert other["LastUpdateStatus"] == "FAILED"
        assert other["LastErrorCode"] == "AUTHORIZATION_NOT_FOUND"
        assert other["LastErrorMessage"]
        assert "LastUpdateTime" in other

    # The other account authorizes the aggregator's account and region, in eu-west-1 only.
    _other(live_api, "eu-west-1").put_aggregation_authorization(
        AuthorizedAccountId=OWN, AuthorizedAwsRegion="us-east-1"
    )
    statuses = _statuses(config, "team")
    assert statuses[(OTHER, "eu-west-1")]["LastUpdateStatus"] == "SUCCEEDED"
    assert "LastErrorCode" not in statuses[(OTHER, "eu-west-1")]
    assert statuses[(OTHER, "us-east-1")]["LastUpdateStatus"] == "FAILED"

    # An authorization of another region of the aggregator account does not count.
    _other(live_api, "us-east-1").put_aggregation_authorization(
        AuthorizedAccountId=OWN, AuthorizedAwsRegion="eu-west-1"
    )
    assert _statuses(config, "team")[(OTHER, "us-east-1")]["LastUpdateStatus"] == "FAILED"

    _other(live_api, "eu-west-1").delete_aggregation_authorization(
        AuthorizedAccountId=OWN, AuthorizedAwsRegion="us-east-1"
    )
    statuses = _statuses(config, "team")
    assert statuses[(OTHER, "eu-west-1")]["LastUpdateStatus"] == "FAILED"
    assert statuses[(OTHER, "eu-west-1")]["LastErrorCode"] == "AUTHORIZATION_NOT_FOUND"


def test_sources_status_filters_by_update_status_and_pages(live_api: LiveApi, config: Any) -> None:
    config.put_configuration_aggregator(
        ConfigurationAggregatorName="team",
        AccountAggregationSources=_accounts([OWN, OTHER], ["us-east-1", "eu-west-1", "ap-south-1"]),
    )
    _other(live_api, "ap-south-1").put_aggregation_authorization(
        AuthorizedAccountId=OWN, AuthorizedAwsRegion="us-east-1"
    )

    failed = _statuses(config, "team", UpdateStatus=["FAILED"])
    assert sorted(failed) == [(OTHER, "eu-west-1"), (OTHER, "us-east-1")]
    succeeded = _statuses(config, "team", UpdateStatus=["SUCCEEDED"])
    assert sorted(succeeded) == [(OWN, r) for r in ("ap-south-1", "eu-west-1", "us-east-1")] + [
        (OTHER, "ap-south-1")
    ]
    assert len(_statuses(config, "team", UpdateStatus=["FAILED", "SUCCEEDED"])) == 6
    assert _statuses(config, "team", UpdateStatus=["OUTDATED"]) == {}

    first = config.describe_configuration_aggregator_sources_status(
        ConfigurationAggregatorName="team", Limit=4
    )
    assert len(first["AggregatedSourceStatusList"]) == 4
    rest = config.describe_configuration_aggregator_sources_status(
        ConfigurationAggregatorName="team", Limit=4, NextToken=first["NextToken"]
    )
    assert len(rest["AggregatedSourceStatusList"]) == 2
    assert "NextToken" not in rest
    paged = [
        (s["SourceId"], s["AwsRegion"])
        for s in first["AggregatedSourceStatusList"] + rest["AggregatedSourceStatusList"]
    ]
    assert sorted(paged) == sorted(_statuses(config, "team"))
    assert len(set(paged)) == 6


def test_all_regions_follow_where_the_account_records(live_api: LiveApi, config: Any) -> None:
    other_east = _other(live_api, "us-east-1")
    other_east.put_configuration_recorder(
        ConfigurationRecorder={"name": "default", "roleARN": f"arn:aws:iam::{OTHER}:role/config"}
    )
    made = config.put_configuration_aggregator(
        ConfigurationAggregatorName="everywhere", AccountAggregationSources=_accounts([OTHER])
    )["ConfigurationAggregator"]
    assert sorted(_statuses(config, "everywhere")) == [(OTHER, "us-east-1")]

    # The account starts recording in another region: the aggregator covers it at once, unchanged.
    _other(live_api, "ap-northeast-1").put_configuration_recorder(
        ConfigurationRecorder={"name": "default", "roleARN": f"arn:aws:iam::{OTHER}:role/config"}
    )
    statuses = _statuses(config, "everywhere")
    assert sorted(statuses) == [(OTHER, "ap-northeast-1"), (OTHER, "us-east-1")]
    assert statuses[(OTHER, "ap-northeast-1")]["LastUpdateStatus"] == "FAILED"
    (described,) = config.describe_configuration_aggregators()["ConfigurationAggregators"]
    assert described == made

    _other(live_api, "ap-northeast-1").put_aggregation_authorization(
        AuthorizedAccountId=OWN, AuthorizedAwsRegion="us-east-1"
    )
    assert _statuses(config, "everywhere")[(OTHER, "ap-northeast-1")]["LastUpdateStatus"] == "SUCCEEDED"


# --- aggregation authorizations ---------------------------------------------------------------------


def test_put_and_describe_authorizations(live_api: LiveApi, client_error: Callable[..., str]) -> None:
    source = _other(live_api, "eu-west-1")
    made = source.put_aggregation_authorization(AuthorizedAccountId=OWN, AuthorizedAwsRegion="us-east-1")[
        "AggregationAuthorization"
    ]

    assert made["AggregationAuthorizationArn"] == (
        f"arn:aws:config:eu-west-1:{OTHER}:aggregation-authorization/{OWN}/us-east-1"
    )
    assert made["AuthorizedAccountId"] == OWN
    assert made["AuthorizedAwsRegion"] == "us-east-1"
    time.sleep(0.02)
    # Putting it again changes nothing.
    again = source.put_aggregation_authorization(AuthorizedAccountId=OWN, AuthorizedAwsRegion="us-east-1")[
        "AggregationAuthorization"
    ]
    assert again == made

    for region in ("ap-south-1", "eu-central-1", "us-west-2"):
        source.put_aggregation_authorization(AuthorizedAccountId=OWN, AuthorizedAwsRegion=region)
    source.put_aggregation_authorization(AuthorizedAccountId="111122223333", AuthorizedAwsRegion="us-east-1")

    first = source.describe_aggregation_authorizations(Limit=2)
    assert len(first["AggregationAuthorizations"]) == 2
    pages = source.get_paginator("describe_aggregation_authorizations").paginate(
        PaginationConfig={"PageSize": 2}
    )
    listed = [
        (a["AuthorizedAccountId"], a["AuthorizedAwsRegion"])
        for page in pages
        for a in page["AggregationAuthorizations"]
    ]
    assert listed == [
        ("111122223333", "us-east-1"),
        (OWN, "ap-south-1"),
        (OWN, "eu-central-1"),
        (OWN, "us-east-1"),
        (OWN, "us-west-2"),
    ]
    assert client_error(lambda: source.describe_aggregation_authorizations(Limit=101)) == (
        "ValidationException"
    )
    # Authorizations belong to the source's account and region.
    assert (
        _other(live_api, "us-east-1").describe_aggregation_authorizations()["AggregationAuthorizations"] == []
    )
    assert (
        live_api.client(region="eu-west-1").describe_aggregation_authorizations()["AggregationAuthorizations"]
        == []
    )


def test_delete_authorizations(live_api: LiveApi) -> None:
    source = _other(live_api, "eu-west-1")
    source.put_aggregation_authorization(AuthorizedAccountId=OWN, AuthorizedAwsRegion="us-east-1")
    source.put_aggregation_authorization(AuthorizedAccountId=OWN, AuthorizedAwsRegion="us-west-2")

    source.delete_aggregation_authorization(AuthorizedAccountId=OWN, AuthorizedAwsRegion="us-east-1")
    left = source.describe_aggregation_authorizations()["AggregationAuthorizations"]
    assert [(a["AuthorizedAccountId"], a["AuthorizedAwsRegion"]) for a in left] == [(OWN, "us-west-2")]
    # Deleting one that is not there is no error.
    source.delete_aggregation_authorization(AuthorizedAccountId=OWN, AuthorizedAwsRegion="us-east-1")
    source.delete_aggregation_authorization(
        AuthorizedAccountId="111122223333", AuthorizedAwsRegion="sa-east-1"
    )


def test_authorization_tags(live_api: LiveApi) -> None:
    source = _other(live_api, "eu-west-1")
    arn = source.put_aggregation_authorization(
        AuthorizedAccountId=OWN, AuthorizedAwsRegion="us-east-1", Tags=[{"Key": "team", "Value": "blue"}]
    )["AggregationAuthorization"]["AggregationAuthorizationArn"]
    assert source.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "blue"}]

    # Putting the authorization again leaves its tags alone (tags apply when it is created).
    source.put_aggregation_authorization(AuthorizedAccountId=OWN, AuthorizedAwsRegion="us-east-1")
    assert source.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "blue"}]

    source.delete_aggregation_authorization(AuthorizedAccountId=OWN, AuthorizedAwsRegion="us-east-1")
    with pytest.raises(source.exceptions.ResourceNotFoundException):
        source.list_tags_for_resource(ResourceArn=arn)


# --- pending aggregation requests -------------------------------------------------------------------


def test_pending_requests_in_the_regions_the_aggregator_covers(live_api: LiveApi, config: Any) -> None:
    config.put_configuration_aggregator(
        ConfigurationAggregatorName="team",
        AccountAggregationSources=_accounts([OTHER], ["eu-west-1", "us-west-2"]),
    )

    assert _pending(_other(live_api, "eu-west-1")) == [(OWN, "us-east-1")]
    assert _pending(_other(live_api, "us-west-2")) == [(OWN, "us-east-1")]
    assert _pending(_other(live_api, "ap-south-1")) == []
    # The aggregator account itself has no requests of its own aggregator.
    assert _pending(live_api.client(region="eu-west-1")) == []

    # Authorizing answers the request; DeletePendingAggregationRequest dismisses one.
    _other(live_api, "eu-west-1").put_aggregation_authorization(
        AuthorizedAccountId=OWN, AuthorizedAwsRegion="us-east-1"
    )
    assert _pending(_other(live_api, "eu-west-1")) == []
    _other(live_api, "us-west-2").delete_pending_aggregation_request(
        RequesterAccountId=OWN, RequesterAwsRegion="us-east-1"
    )
    assert _pending(_other(live_api, "us-west-2")) == []
    # Dismissing does not authorize.
    statuses = _statuses(config, "team")
    assert statuses[(OTHER, "eu-west-1")]["LastUpdateStatus"] == "SUCCEEDED"
    assert statuses[(OTHER, "us-west-2")]["LastUpdateStatus"] == "FAILED"

    # Revoking the authorization brings the request back.
    _other(live_api, "eu-west-1").delete_aggregation_authorization(
        AuthorizedAccountId=OWN, AuthorizedAwsRegion="us-east-1"
    )
    assert _pending(_other(live_api, "eu-west-1")) == [(OWN, "us-east-1")]


def test_pending_requests_of_all_regions_aggregators_page(
    live_api: LiveApi, client_error: Callable[..., str]
) -> None:
    for region in ("us-east-1", "eu-west-1", "ap-south-1"):
        live_api.client(region=region).put_configuration_aggregator(
            ConfigurationAggregatorName="all", AccountAggregationSources=_accounts([OTHER])
        )
    source = _other(live_api, "sa-east-1")

    first = source.describe_pending_aggregation_requests(Limit=2)
    assert len(first["PendingAggregationRequests"]) == 2
    rest = source.describe_pending_aggregation_requests(Limit=2, NextToken=first["NextToken"])
    assert "NextToken" not in rest
    requests = first["PendingAggregationRequests"] + rest["PendingAggregationRequests"]
    assert sorted((r["RequesterAccountId"], r["RequesterAwsRegion"]) for r in requests) == [
        (OWN, "ap-south-1"),
        (OWN, "eu-west-1"),
        (OWN, "us-east-1"),
    ]
    assert client_error(lambda: source.describe_pending_aggregation_requests(Limit=21)) == (
        "ValidationException"
    )


def test_a_deleted_aggregator_is_no_longer_pending(live_api: LiveApi, config: Any) -> None:
    config.put_configuration_aggregator(
        ConfigurationAggregatorName="team", AccountAggregationSources=_accounts([OTHER], ["eu-west-1"])
    )
    assert _pending(_other(live_api, "eu-west-1")) == [(OWN, "us-east-1")]

    config.delete_configuration_aggregator(ConfigurationAggregatorName="team")
    assert _pending(_other(live_api, "eu-west-1")) == []


# --- organization aggregators -----------------------------------------------------------------------


def test_an_organization_aggregator_covers_the_members_recording_regions(
    live_api: LiveApi, config: Any, aws: Callable[..., Any]
) -> None:
    organizations = aws("organizations")
    organizations.create_organization(FeatureSet="ALL")
    created = organizations.create_account(AccountName="member", Email="member@example.com")
    member = created["CreateAccountStatus"]["AccountId"]
    assert member != OWN
    # The member records in two regions (roost knows it: a recorder in the store), and through
    # the API with keys of its own in a third.
    store = live_api.services.store
    for region in ("eu-west-1", "us-east-1"):
        store.recorders.put(ConfigurationRecorder(member, region, role_arn=f"arn:aws:iam::{member}:role/c"))
    member_keys = KeyPair("AKIAMEMBERACCOUNT001", "member-secret", member)
    live_api.keys.add(member_keys)
    live_api.client(keys=member_keys, region="ap-south-1").put_configuration_recorder(
        ConfigurationRecorder={"name": "default", "roleARN": f"arn:aws:iam::{member}:role/c"}
    )

    made = config.put_configuration_aggregator(
        ConfigurationAggregatorName="org",
        OrganizationAggregationSource={"RoleArn": ORG_ROLE, "AllAwsRegions": True},
    )["ConfigurationAggregator"]
    assert made["OrganizationAggregationSource"] == {"RoleArn": ORG_ROLE, "AllAwsRegions": True}
    assert "AccountAggregationSources" not in made

    statuses = _statuses(config, "org")
    assert sorted(statuses) == [(member, "ap-south-1"), (member, "eu-west-1"), (member, "us-east-1")]
    for status in statuses.values():
        assert status["SourceType"] == "ORGANIZATION"
        assert status["LastUpdateStatus"] == "SUCCEEDED"
    # No authorization is needed, so nothing is pending on the member's side.
    assert _pending(live_api.client(keys=member_keys, region="eu-west-1")) == []


def test_an_organization_aggregator_with_listed_regions(
    live_api: LiveApi, config: Any, aws: Callable[..., Any]
) -> None:
    organizations = aws("organizations")
    organizations.create_organization(FeatureSet="ALL")
    member = organizations.create_account(AccountName="member", Email="member@example.com")[
        "CreateAccountStatus"
    ]["AccountId"]

    config.put_configuration_aggregator(
        ConfigurationAggregatorName="org",
        OrganizationAggregationSource={"RoleArn": ORG_ROLE, "AwsRegions": ["eu-west-1"]},
    )

    statuses = _statuses(config, "org")
    assert (member, "eu-west-1") in statuses
    assert (OWN, "eu-west-1") in statuses  # the management account is a member too
    assert {region for _, region in statuses} == {"eu-west-1"}
    assert {s["SourceType"] for s in statuses.values()} == {"ORGANIZATION"}


def test_an_organization_aggregator_needs_an_organization(
    config: Any, client_error: Callable[..., str]
) -> None:
    code = client_error(
        lambda: config.put_configuration_aggregator(
            ConfigurationAggregatorName="org",
            OrganizationAggregationSource={"RoleArn": ORG_ROLE, "AllAwsRegions": True},
        )
    )
    assert code == "NoAvailableOrganizationException"
    assert config.describe_configuration_aggregators()["ConfigurationAggregators"] == []
