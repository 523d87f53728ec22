"""The aggregate reads of conformance packs through boto3 against a live roost: packs deployed in two
regions of the sandbox account and in a second account, an aggregator over both that the second
account authorizes, both operations with their filters, grouping and paging."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from roost.model import AccountRegion
from tests.api.conftest import OTHER_KEYS, LiveApi
from tests.api.test_pack_operations import PROCESS_ONLY, pack_rules
from tests.api.test_rule_operations import put_recorder

OWN = "123456789012"
OTHER = OTHER_KEYS.account_id
EAST = "us-east-1"
SEOUL = "ap-northeast-2"
T0 = datetime(2026, 1, 2, tzinfo=UTC)


def judge(client: Any, account: str, pack: str, compliance: str | None) -> None:
    """Deploy `pack` (one process check) and give its rule `compliance` (None: no result)."""
    client.put_conformance_pack(ConformancePackName=pack, TemplateBody=PROCESS_ONLY)
    if compliance is None:
        return
    client.put_external_evaluation(
        ConfigRuleName=pack_rules(client, pack)["process"]["ConfigRuleName"],
        ExternalEvaluation={
            "ComplianceResourceType": "AWS::::Account",
            "ComplianceResourceId": account,
            "ComplianceType": compliance,
            "OrderingTimestamp": T0,
        },
    )


@pytest.fixture
def aggregator(live_api: LiveApi) -> Any:
    store = live_api.services.store
    for source in (AccountRegion(OWN, EAST), AccountRegion(OWN, SEOUL), AccountRegion(OTHER, EAST)):
        put_recorder(store, source)
    east, seoul, other = live_api.client(), live_api.client(region=SEOUL), live_api.client(keys=OTHER_KEYS)
    judge(east, OWN, "alpha", "COMPLIANT")
    judge(east, OWN, "beta", "NON_COMPLIANT")
    judge(seoul, OWN, "alpha", None)
    judge(other, OTHER, "alpha", "COMPLIANT")
    judge(other, OTHER, "gamma", "NON_COMPLIANT")
    east.put_configuration_aggregator(
        ConfigurationAggregatorName="all",
        AccountAggregationSources=[{"AccountIds": [OWN, OTHER], "AllAwsRegions": True}],
    )
    return east


def listed(config: Any, **params: Any) -> list[tuple[str, str, str, str]]:
    found = config.describe_aggregate_compliance_by_conformance_packs(
        ConfigurationAggregatorName="all", **params
    )
    return [
        (p["AccountId"], p["AwsRegion"], p["ConformancePackName"], p["Compliance"]["ComplianceType"])
        for p in found["AggregateComplianceByConformancePacks"]
    ]


def summary(config: Any, **params: Any) -> dict[str | None, tuple[int, int]]:
    found = config.get_aggregate_conformance_pack_compliance_summary(
        ConfigurationAggregatorName="all", **params
    )
    return {
        s.get("GroupName"): (
            s["ComplianceSummary"]["CompliantConformancePackCount"],
            s["ComplianceSummary"]["NonCompliantConformancePackCount"],
        )
        for s in found["AggregateConformancePackComplianceSummaries"]
    }


def test_packs_of_every_source_the_aggregator_sees(aggregator: Any, live_api: LiveApi) -> None:
    config = aggregator
    # The other account has not authorized the aggregator yet: only the sandbox's packs show.
    assert listed(config) == [
        (OWN, SEOUL, "alpha", "INSUFFICIENT_DATA"),
        (OWN, EAST, "alpha", "COMPLIANT"),
        (OWN, EAST, "beta", "NON_COMPLIANT"),
    ]
    live_api.client(keys=OTHER_KEYS).put_aggregation_authorization(
        AuthorizedAccountId=OWN, AuthorizedAwsRegion=EAST
    )
    everything = [
        (OTHER, EAST, "alpha", "COMPLIANT"),
        (OTHER, EAST, "gamma", "NON_COMPLIANT"),
        (OWN, SEOUL, "alpha", "INSUFFICIENT_DATA"),
        (OWN, EAST, "alpha", "COMPLIANT"),
        (OWN, EAST, "beta", "NON_COMPLIANT"),
    ]
    assert listed(config) == sorted(everything)

    (detail,) = config.describe_aggregate_compliance_by_conformance_packs(
        ConfigurationAggregatorName="all",
        Filters={"AccountId": OWN, "AwsRegion": EAST, "ConformancePackName": "beta"},
    )["AggregateComplianceByConformancePacks"]
    assert detail["Compliance"] == {
        "ComplianceType": "NON_COMPLIANT",
        "CompliantRuleCount": 0,
        "NonCompliantRuleCount": 1,
        "TotalRuleCount": 1,
    }
    # In account, region and name order.
    assert listed(config, Filters={"ComplianceType": "COMPLIANT"}) == [
        (OWN, EAST, "alpha", "COMPLIANT"),
        (OTHER, EAST, "alpha", "COMPLIANT"),
    ]
    assert listed(config, Filters={"AccountId": OTHER}) == sorted(everything)[-2:]
    assert listed(config, Filters={"AwsRegion": SEOUL}) == [(OWN, SEOUL, "alpha", "INSUFFICIENT_DATA")]
    assert [p[:3] for p in listed(config, Filters={"ConformancePackName": "alpha"})] == [
        (OWN, SEOUL, "alpha"),
        (OWN, EAST, "alpha"),
        (OTHER, EAST, "alpha"),
    ]

    pages: list[tuple[str, str, str, str]] = []
    token: str | None = None
    while True:
        found = config.describe_aggregate_compliance_by_conformance_packs(
            ConfigurationAggregatorName="all", Limit=2, **({"NextToken": token} if token else {})
        )
        assert len(found["AggregateComplianceByConformancePacks"]) <= 2
        pages += [
            (p["AccountId"], p["AwsRegion"], p["ConformancePackName"], p["Compliance"]["ComplianceType"])
            for p in found["AggregateComplianceByConformancePacks"]
        ]
        token = found.get("NextToken")
        if not token:
            break
    assert pages == sorted(everything)

    # Packs counted compliant and non-compliant (INSUFFICIENT_DATA counts in neither).
    assert summary(config) == {None: (2, 2)}
    assert summary(config, GroupByKey="ACCOUNT_ID") == {OWN: (1, 1), OTHER: (1, 1)}
    assert summary(config, GroupByKey="AWS_REGION") == {EAST: (2, 2), SEOUL: (0, 0)}
    assert summary(config, GroupByKey="AWS_REGION", Filters={"AccountId": OWN}) == {
        EAST: (1, 1),
        SEOUL: (0, 0),
    }
    assert summary(config, GroupByKey="ACCOUNT_ID", Filters={"AwsRegion": SEOUL}) == {OWN: (0, 0)}
    first = config.get_aggregate_conformance_pack_compliance_summary(
        ConfigurationAggregatorName="all", GroupByKey="ACCOUNT_ID", Limit=1
    )
    assert first["GroupByKey"] == "ACCOUNT_ID"
    assert [s["GroupName"] for s in first["AggregateConformancePackComplianceSummaries"]] == [OWN]
    rest = config.get_aggregate_conformance_pack_compliance_summary(
        ConfigurationAggregatorName="all", GroupByKey="ACCOUNT_ID", Limit=1, NextToken=first["NextToken"]
    )
    assert [s["GroupName"] for s in rest["AggregateConformancePackComplianceSummaries"]] == [OTHER]
    assert "NextToken" not in rest


def test_aggregate_errors(aggregator: Any, client_error: Any) -> None:
    config = aggregator
    for call in (
        lambda: config.describe_aggregate_compliance_by_conformance_packs(ConfigurationAggregatorName="nope"),
        lambda: config.get_aggregate_conformance_pack_compliance_summary(ConfigurationAggregatorName="nope"),
    ):
        assert client_error(call) == "NoSuchConfigurationAggregatorException"
    for call in (
        lambda: config.describe_aggregate_compliance_by_conformance_packs(
            ConfigurationAggregatorName="all", NextToken="garbage"
        ),
        lambda: config.get_aggregate_conformance_pack_compliance_summary(
            ConfigurationAggregatorName="all", NextToken="garbage"
        ),
    ):
        assert client_error(call) == "InvalidNextTokenException"
