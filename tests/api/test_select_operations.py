"""SelectResourceConfig and SelectAggregateResourceConfig through boto3 and the AWS CLI against a live
roost over a fleet recorded from the sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from roost.model import ConfigurationRecorder, RecordingGroup
from tests.api.conftest import LiveApi
from tests.conftest import SOURCE

ROLE = "arn:aws:iam::123456789012:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
TYPES = ["AWS::S3::Bucket", "AWS::IAM::User"]


@pytest.fixture
def fleet(live_api: LiveApi, aws: Callable[..., Any]) -> LiveApi:
    s3, iam = aws("s3"), aws("iam")
    for name in ("sel-one", "sel-two", "sel-three"):
        s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket="sel-one", VersioningConfiguration={"Status": "Enabled"})
    iam.create_user(UserName="sel-user", Tags=[{"Key": "team", "Value": "blue"}])
    store = live_api.services.store
    store.recorders.put(
        ConfigurationRecorder(
            SOURCE.account_id,
            SOURCE.region,
            role_arn=ROLE,
            recording_group=RecordingGroup(all_supported=True, include_global_resource_types=True),
        )
    )
    assert live_api.services.recorder is not None
    live_api.services.recorder.record_pass(SOURCE, resource_types=TYPES)
    return live_api


def test_results_are_json_strings_nested_by_path(fleet: LiveApi, config: Any) -> None:
    answer = config.select_resource_config(
        Expression="SELECT resourceName, supplementaryConfiguration.BucketVersioningConfiguration.status "
        "WHERE resourceType = 'AWS::S3::Bucket' AND resourceName = 'sel-one'"
    )
    assert answer["QueryInfo"] == {
        "SelectFields": [
            {"Name": "resourceName"},
            {"Name": "supplementaryConfiguration.BucketVersioningConfiguration.status"},
        ]
    }
    assert [json.loads(r) for r in answer["Results"]] == [
        {
            "resourceName": "sel-one",
            "supplementaryConfiguration": {"BucketVersioningConfiguration": {"status": "Enabled"}},
        }
    ]
    assert all(isinstance(r, str) for r in answer["Results"])
    assert "NextToken" not in answer


def test_aggregates_use_the_expression_as_key(fleet: LiveApi, config: Any) -> None:
    answer = config.select_resource_config(
        Expression="SELECT resourceType, COUNT(*) "
        "WHERE resourceType IN ('AWS::S3::Bucket', 'AWS::IAM::User') "
        "GROUP BY resourceType ORDER BY resourceType"
    )
    assert [json.loads(r) for r in answer["Results"]] == [
        {"resourceType": "AWS::IAM::User", "COUNT(*)": 1},
        {"resourceType": "AWS::S3::Bucket", "COUNT(*)": 3},
    ]
    assert answer["QueryInfo"]["SelectFields"] == [{"Name": "resourceType"}, {"Name": "COUNT(*)"}]


def test_paging_with_limit_and_the_paginator(fleet: LiveApi, config: Any) -> None:
    expression = "SELECT resourceName WHERE resourceType = 'AWS::S3::Bucket'"
    first = config.select_resource_config(Expression=expression, Limit=2)
    assert len(first["Results"]) == 2 and first["NextToken"]
    second = config.select_resource_config(Expression=expression, Limit=2, NextToken=first["NextToken"])
    assert len(second["Results"]) == 1 and "NextToken" not in second
    names = {json.loads(r)["resourceName"] for r in first["Results"] + second["Results"]}
    assert names == {"sel-one", "sel-two", "sel-three"}
    paged = [
        json.loads(r)["resourceName"]
        for page in config.get_paginator("select_resource_config").paginate(
            Expression=expression, PaginationConfig={"PageSize": 1}
        )
        for r in page["Results"]
    ]
    assert sorted(paged) == sorted(names)


@pytest.mark.parametrize(
    "params,code",
    [
        ({"Expression": "SELECT resourceId FROM x"}, "InvalidExpressionException"),
        ({"Expression": "SELECT resourceId WHERE resourceName LIKE 'ab%'"}, "InvalidExpressionException"),
        (
            {"Expression": "SELECT resourceId", "Limit": 0, "NextToken": "not-a-token"},
            "InvalidNextTokenException",
        ),
    ],
)
def test_errors(
    fleet: LiveApi, config: Any, client_error: Callable[..., str], params: dict[str, Any], code: str
) -> None:
    assert client_error(lambda: config.select_resource_config(**params)) == code


def test_a_bad_expression_says_what_is_wrong(fleet: LiveApi, config: Any) -> None:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as raised:
        config.select_resource_config(Expression="SELECT DISTINCT resourceType")
    assert "DISTINCT" in raised.value.response["Error"]["Message"]


def test_aggregate_select_over_an_aggregator(
    fleet: LiveApi, config: Any, client_error: Callable[..., str]
) -> None:
    config.put_configuration_aggregator(
        ConfigurationAggregatorName="mine",
        AccountAggregationSources=[{"AccountIds": [SOURCE.account_id], "AwsRegions": [SOURCE.region]}],
    )
    answer = config.select_aggregate_resource_config(
        ConfigurationAggregatorName="mine",
        Expression="SELECT resourceName, accountId WHERE tags.key = 'team'",
    )
    assert [json.loads(r) for r in answer["Results"]] == [
        {"resourceName": "sel-user", "accountId": SOURCE.account_id}
    ]
    paged = config.select_aggregate_resource_config(
        ConfigurationAggregatorName="mine",
        Expression="SELECT resourceName WHERE resourceType = 'AWS::S3::Bucket'",
        MaxResults=2,
    )
    assert len(paged["Results"]) == 2 and paged["NextToken"]
    config.put_configuration_aggregator(
        ConfigurationAggregatorName="users",
        AccountAggregationSources=[{"AccountIds": [SOURCE.account_id], "AwsRegions": [SOURCE.region]}],
        AggregatorFilters={"ResourceType": {"Type": "INCLUDE", "Value": ["AWS::IAM::User"]}},
    )
    filtered = config.select_aggregate_resource_config(
        ConfigurationAggregatorName="users", Expression="SELECT resourceType, COUNT(*) GROUP BY resourceType"
    )
    assert [json.loads(r) for r in filtered["Results"]] == [{"resourceType": "AWS::IAM::User", "COUNT(*)": 1}]
    assert (
        client_error(
            lambda: config.select_aggregate_resource_config(
                ConfigurationAggregatorName="nope", Expression="SELECT resourceId"
            )
        )
        == "NoSuchConfigurationAggregatorException"
    )
    assert (
        client_error(
            lambda: config.select_aggregate_resource_config(
                ConfigurationAggregatorName="mine", Expression="SELECT resourceId JOIN x"
            )
        )
        == "InvalidExpressionException"
    )


def test_the_aws_cli(fleet: LiveApi) -> None:
    aws = Path(sys.executable).parent / "aws"
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
    done = subprocess.run(
        [
            str(aws),
            "configservice",
            "select-resource-config",
            "--expression",
            "SELECT resourceName WHERE resourceType = 'AWS::IAM::User'",
            "--endpoint-url",
            fleet.url,
            "--region",
            "us-east-1",
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert [json.loads(r) for r in answer["Results"]] == [{"resourceName": "sel-user"}]
    assert answer["QueryInfo"]["SelectFields"] == [{"Name": "resourceName"}]
