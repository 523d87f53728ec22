"""Retention operations through boto3 and the AWS CLI against a live roost."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import boto3
from botocore.config import Config

from roost.api.pagination import encode_token
from roost.model import AccountRegion
from tests.api.conftest import OTHER_KEYS, SANDBOX_KEYS, LiveApi, aws_configservice


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


def test_put_describe_and_delete_the_retention_configuration(config: Any) -> None:
    assert config.describe_retention_configurations()["RetentionConfigurations"] == []

    put = config.put_retention_configuration(RetentionPeriodInDays=90)
    assert put["RetentionConfiguration"] == {"Name": "default", "RetentionPeriodInDays": 90}
    described = config.describe_retention_configurations()
    assert described["RetentionConfigurations"] == [{"Name": "default", "RetentionPeriodInDays": 90}]
    assert "NextToken" not in described

    # A second Put updates the one configuration (always "default").
    config.put_retention_configuration(RetentionPeriodInDays=2557)
    by_name = config.describe_retention_configurations(RetentionConfigurationNames=["default"])
    assert by_name["RetentionConfigurations"] == [{"Name": "default", "RetentionPeriodInDays": 2557}]

    config.delete_retention_configuration(RetentionConfigurationName="default")
    assert config.describe_retention_configurations()["RetentionConfigurations"] == []


def test_the_period_must_be_30_to_2557_days(
    config: Any, live_api: LiveApi, client_error: Callable[..., str]
) -> None:
    unchecked = unchecked_client(live_api)
    for days in (29, 0, -1, 2558):
        assert client_error(partial(unchecked.put_retention_configuration, RetentionPeriodInDays=days)) == (
            "ValidationException"
        )
    assert client_error(lambda: unchecked.put_retention_configuration()) == "ValidationException"
    assert config.describe_retention_configurations()["RetentionConfigurations"] == []
    for days in (30, 2557):
        put = config.put_retention_configuration(RetentionPeriodInDays=days)
        assert put["RetentionConfiguration"]["RetentionPeriodInDays"] == days


def test_retention_errors_are_awss(config: Any, live_api: LiveApi, client_error: Callable[..., str]) -> None:
    describe = config.describe_retention_configurations
    assert client_error(lambda: describe(RetentionConfigurationNames=["default"])) == (
        "NoSuchRetentionConfigurationException"
    )
    assert client_error(
        lambda: config.delete_retention_configuration(RetentionConfigurationName="default")
    ) == ("NoSuchRetentionConfigurationException")
    config.put_retention_configuration(RetentionPeriodInDays=30)
    assert client_error(lambda: describe(RetentionConfigurationNames=["other"])) == (
        "NoSuchRetentionConfigurationException"
    )
    assert client_error(
        lambda: config.delete_retention_configuration(RetentionConfigurationName="other")
    ) == ("NoSuchRetentionConfigurationException")
    # The model allows one name per call: more is stopped by the front end's input checks.
    assert client_error(lambda: describe(RetentionConfigurationNames=["default", "other"])) == (
        "ValidationException"
    )
    assert client_error(lambda: describe(RetentionConfigurationNames=["bad name!"])) == "ValidationException"
    unchecked = unchecked_client(live_api)
    assert client_error(lambda: unchecked.delete_retention_configuration(RetentionConfigurationName="")) == (
        "ValidationException"
    )
    assert client_error(lambda: describe(NextToken="not-a-token")) == "InvalidNextTokenException"
    # A token roost handed out for another operation is no token here either.
    other_token = encode_token("ListTagsForResource", {"arn": "x", "key": "y"})
    assert client_error(lambda: describe(NextToken=other_token)) == "InvalidNextTokenException"
    assert describe()["RetentionConfigurations"] == [{"Name": "default", "RetentionPeriodInDays": 30}]
    assert describe(NextToken="")["RetentionConfigurations"] != []


def test_the_paginator_reads_the_one_page(config: Any) -> None:
    config.put_retention_configuration(RetentionPeriodInDays=365)
    pages = list(config.get_paginator("describe_retention_configurations").paginate())
    assert [c for p in pages for c in p["RetentionConfigurations"]] == [
        {"Name": "default", "RetentionPeriodInDays": 365}
    ]


def test_accounts_and_regions_do_not_see_each_other(
    config: Any, live_api: LiveApi, client_error: Callable[..., str]
) -> None:
    config.put_retention_configuration(RetentionPeriodInDays=30)
    other = live_api.client(keys=OTHER_KEYS)
    other_region = live_api.client(region="eu-west-1")

    assert other.describe_retention_configurations()["RetentionConfigurations"] == []
    assert other_region.describe_retention_configurations()["RetentionConfigurations"] == []
    assert client_error(
        lambda: other.delete_retention_configuration(RetentionConfigurationName="default")
    ) == ("NoSuchRetentionConfigurationException")
    other_region.put_retention_configuration(RetentionPeriodInDays=400)
    assert config.describe_retention_configurations()["RetentionConfigurations"] == [
        {"Name": "default", "RetentionPeriodInDays": 30}
    ]
    config.delete_retention_configuration(RetentionConfigurationName="default")
    assert other_region.describe_retention_configurations()["RetentionConfigurations"] == [
        {"Name": "default", "RetentionPeriodInDays": 400}
    ]
    store = live_api.services.store
    assert store.retention.retention_days(AccountRegion(OTHER_KEYS.account_id, "us-east-1")) == 2557
    assert store.retention.retention_days(AccountRegion(OTHER_KEYS.account_id, "eu-west-1")) == 2557
    assert store.retention.retention_days(AccountRegion("123456789012", "eu-west-1")) == 400


def test_the_aws_cli_puts_a_retention_configuration(live_api: LiveApi) -> None:
    answer = aws_configservice(
        live_api.url, "put-retention-configuration", "--retention-period-in-days", "30"
    )
    assert answer == {"RetentionConfiguration": {"Name": "default", "RetentionPeriodInDays": 30}}
    assert live_api.client().describe_retention_configurations()["RetentionConfigurations"] == [
        {"Name": "default", "RetentionPeriodInDays": 30}
    ]
