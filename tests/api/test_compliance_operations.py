"""Compliance reads through boto3 against a live roost: rules and results stored directly, read back."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest

from roost.compliance import ComplianceType, EvaluationResult
from roost.model import AccountRegion
from roost.store import Store
from tests.api.conftest import OTHER_KEYS, LiveApi
from tests.conftest import SOURCE
from tests.rules.conftest import managed_rule

C = ComplianceType.COMPLIANT
NC = ComplianceType.NON_COMPLIANT
NA = ComplianceType.NOT_APPLICABLE
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
SG = "AWS::EC2::SecurityGroup"
USER = "AWS::IAM::User"


def result(
    rule: str,
    resource_id: str,
    compliance: ComplianceType,
    *,
    resource_type: str = SG,
    annotation: str | None = None,
) -> EvaluationResult:
    return EvaluationResult(
        rule_name=rule,
        resource_type=resource_type,
        resource_id=resource_id,
        compliance_type=compliance,
        ordering_timestamp=NOW,
        result_recorded_time=NOW + timedelta(seconds=1),
        config_rule_invoked_time=NOW,
        annotation=annotation,
    )


def add_rules(store: Store, *names: str) -> None:
    for name in names:
        rule = managed_rule("INCOMING_SSH_DISABLED", name=name)
        store.rules.put(replace(rule, rule_id=f"config-rule-{uuid.uuid4().hex[:6]}"), now=NOW)


@pytest.fixture
def populated(store: Store) -> Store:
    """ssh: sg-1 NON_COMPLIANT, sg-2 COMPLIANT, sg-3 NOT_APPLICABLE; mfa: user alice COMPLIANT and sg-1
    COMPLIANT; only-na: sg-2 NOT_APPLICABLE; empty: no results."""
    add_rules(store, "ssh", "mfa", "only-na", "empty")
    store.evaluations.put(
        SOURCE,
        [
            result("ssh", "sg-1", NC, annotation="Port 22 open to the world."),
            result("ssh", "sg-2", C),
            result("ssh", "sg-3", NA),
            result("mfa", "alice", C, resource_type=USER),
            result("mfa", "sg-1", C),
            result("only-na", "sg-2", NA),
        ],
    )
    return store


def by_rule(response: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["ConfigRuleName"]: e["Compliance"] for e in response["ComplianceByConfigRules"]}


def by_resource(response: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(e["ResourceType"], e["ResourceId"]): e["Compliance"] for e in response["ComplianceByResources"]}


# --- DescribeComplianceByConfigRule --------------------------------------------------------------


def test_rule_roll_up_ignores_not_applicable(config: Any, populated: Store) -> None:
    rules = by_rule(config.describe_compliance_by_config_rule())
    assert rules == {
        "empty": {"ComplianceType": "INSUFFICIENT_DATA"},
        "mfa": {"ComplianceType": "COMPLIANT"},
        "only-na": {"ComplianceType": "INSUFFICIENT_DATA"},
        "ssh": {
            "ComplianceType": "NON_COMPLIANT",
            "ComplianceContributorCount": {"CappedCount": 1, "CapExceeded": False},
        },
    }


def test_rule_compliance_by_name_and_type(
    config: Any, populated: Store, client_error: Callable[..., str]
) -> None:
    named = config.describe_compliance_by_config_rule(ConfigRuleNames=["mfa", "empty"])
    assert [e["ConfigRuleName"] for e in named["ComplianceByConfigRules"]] == ["empty", "mfa"]
    filtered = config.describe_compliance_by_config_rule(ComplianceTypes=["INSUFFICIENT_DATA"])
    assert set(by_rule(filtered)) == {"empty", "only-na"}
    filtered = config.describe_compliance_by_config_rule(ComplianceTypes=["NON_COMPLIANT", "COMPLIANT"])
    assert set(by_rule(filtered)) == {"ssh", "mfa"}
    assert (
        client_error(lambda: config.describe_compliance_by_config_rule(ConfigRuleNames=["ssh", "nope"]))
        == "NoSuchConfigRuleException"
    )
    assert (
        client_error(lambda: config.describe_compliance_by_config_rule(ComplianceTypes=["NOT_APPLICABLE"]))
        == "InvalidParameterValueException"
    )
    assert (
        client_error(
            lambda: config.describe_compliance_by_config_rule(ConfigRuleNames=[f"r{i}" for i in range(26)])
        )
        == "ValidationException"
    )
    assert (
        client_error(lambda: config.describe_compliance_by_config_rule(NextToken="garbage"))
        == "InvalidNextTokenException"
    )


def test_rule_contributor_count_is_capped_at_100(config: Any, store: Store) -> None:
    add_rules(store, "ssh")
    store.evaluations.put(SOURCE, [result("ssh", f"sg-{i:03d}", NC) for i in range(101)])
    (entry,) = config.describe_compliance_by_config_rule()["ComplianceByConfigRules"]
    assert entry["Compliance"]["ComplianceContributorCount"] == {"CappedCount": 100, "CapExceeded": True}
    # An older ordering timestamp is ignored; a newer one wins.
    store.evaluations.put(SOURCE, [EvaluationResult("ssh", SG, "sg-000", C, NOW - timedelta(1), NOW, NOW)])
    store.evaluations.put(SOURCE, [EvaluationResult("ssh", SG, "sg-001", C, NOW + timedelta(1), NOW, NOW)])
    (entry,) = config.describe_compliance_by_config_rule()["ComplianceByConfigRules"]
    assert entry["Compliance"]["ComplianceContributorCount"] == {"CappedCount": 100, "CapExceeded": False}


def test_rule_compliance_pages(config: Any, store: Store) -> None:
    names = [f"rule-{i:02d}" for i in range(30)]
    add_rules(store, *names)
    first = config.describe_compliance_by_config_rule(NextToken="")
    assert len(first["ComplianceByConfigRules"]) == 25 and first["NextToken"]
    second = config.describe_compliance_by_config_rule(NextToken=first["NextToken"])
    assert "NextToken" not in second
    seen = [e["ConfigRuleName"] for e in first["ComplianceByConfigRules"] + second["ComplianceByConfigRules"]]
    assert seen == names
    paged = config.get_paginator("describe_compliance_by_config_rule").paginate().build_full_result()
    assert [e["ConfigRuleName"] for e in paged["ComplianceByConfigRules"]] == names


# --- DescribeComplianceByResource ----------------------------------------------------------------


def test_resource_roll_up(config: Any, populated: Store) -> None:
    resources = by_resource(config.describe_compliance_by_resource(Limit=100))
    assert resources == {
        (SG, "sg-1"): {
            "ComplianceType": "NON_COMPLIANT",
            "ComplianceContributorCount": {"CappedCount": 1, "CapExceeded": False},
        },
        (SG, "sg-2"): {"ComplianceType": "COMPLIANT"},
        (SG, "sg-3"): {"ComplianceType": "INSUFFICIENT_DATA"},
        (USER, "alice"): {"ComplianceType": "COMPLIANT"},
    }
    users = by_resource(config.describe_compliance_by_resource(ResourceType=USER))
    assert list(users) == [(USER, "alice")]
    one = by_resource(config.describe_compliance_by_resource(ResourceType=SG, ResourceId="sg-2"))
    assert one == {(SG, "sg-2"): {"ComplianceType": "COMPLIANT"}}
    unknown = by_resource(config.describe_compliance_by_resource(ResourceType=SG, ResourceId="sg-404"))
    assert unknown == {(SG, "sg-404"): {"ComplianceType": "INSUFFICIENT_DATA"}}
    compliant = by_resource(config.describe_compliance_by_resource(ComplianceTypes=["COMPLIANT"]))
    assert set(compliant) == {(SG, "sg-2"), (USER, "alice")}


def test_resource_errors(config: Any, populated: Store, client_error: Callable[..., str]) -> None:
    assert (
        client_error(lambda: config.describe_compliance_by_resource(ResourceId="sg-1"))
        == "InvalidParameterValueException"
    )
    assert client_error(lambda: config.describe_compliance_by_resource(Limit=101)) == "ValidationException"
    assert (
        client_error(lambda: config.describe_compliance_by_resource(NextToken="garbage"))
        == "InvalidNextTokenException"
    )


def test_resource_contributor_count_is_capped_at_25(config: Any, store: Store) -> None:
    names = [f"rule-{i:02d}" for i in range(26)]
    add_rules(store, *names)
    store.evaluations.put(SOURCE, [result(name, "sg-1", NC) for name in names])
    (entry,) = config.describe_compliance_by_resource()["ComplianceByResources"]
    assert entry["Compliance"]["ComplianceContributorCount"] == {"CappedCount": 25, "CapExceeded": True}


def test_resource_compliance_pages(config: Any, store: Store) -> None:
    add_rules(store, "ssh")
    store.evaluations.put(SOURCE, [result("ssh", f"sg-{i:02d}", C) for i in range(23)])
    first = config.describe_compliance_by_resource(NextToken="")
    assert len(first["ComplianceByResources"]) == 10 and first["NextToken"]
    paged = config.get_paginator("describe_compliance_by_resource").paginate(PaginationConfig={"PageSize": 7})
    pages = [len(p["ComplianceByResources"]) for p in paged]
    assert pages == [7, 7, 7, 2]
    everything = config.get_paginator("describe_compliance_by_resource").paginate().build_full_result()
    assert [e["ResourceId"] for e in everything["ComplianceByResources"]] == [
        f"sg-{i:02d}" for i in range(23)
    ]


# --- GetComplianceDetailsByConfigRule ------------------------------------------------------------


def test_details_by_rule(config: Any, populated: Store, client_error: Callable[..., str]) -> None:
    details = config.get_compliance_details_by_config_rule(ConfigRuleName="ssh", NextToken="")
    results = details["EvaluationResults"]
    assert [r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"] for r in results] == [
        "sg-1",
        "sg-2",
        "sg-3",
    ]
    first = results[0]
    assert first["EvaluationResultIdentifier"] == {
        "EvaluationResultQualifier": {
            "ConfigRuleName": "ssh",
            "ResourceType": SG,
            "ResourceId": "sg-1",
            "EvaluationMode": "DETECTIVE",
        },
        "OrderingTimestamp": NOW,
    }
    assert first["ComplianceType"] == "NON_COMPLIANT"
    assert first["Annotation"] == "Port 22 open to the world."
    assert first["ResultRecordedTime"] == NOW + timedelta(seconds=1)
    assert first["ConfigRuleInvokedTime"] == NOW
    non_compliant = config.get_compliance_details_by_config_rule(
        ConfigRuleName="ssh", ComplianceTypes=["NON_COMPLIANT", "NOT_APPLICABLE"]
    )["EvaluationResults"]
    assert [r["ComplianceType"] for r in non_compliant] == ["NON_COMPLIANT", "NOT_APPLICABLE"]
    assert config.get_compliance_details_by_config_rule(ConfigRuleName="empty")["EvaluationResults"] == []
    assert (
        client_error(lambda: config.get_compliance_details_by_config_rule(ConfigRuleName="nope"))
        == "NoSuchConfigRuleException"
    )
    assert (
        client_error(
            lambda: config.get_compliance_details_by_config_rule(
                ConfigRuleName="ssh", ComplianceTypes=["INSUFFICIENT_DATA"]
            )
        )
        == "InvalidParameterValueException"
    )
    assert (
        client_error(
            lambda: config.get_compliance_details_by_config_rule(ConfigRuleName="ssh", NextToken="x")
        )
        == "InvalidNextTokenException"
    )


def test_details_by_rule_pages(config: Any, store: Store) -> None:
    add_rules(store, "ssh")
    ids = [f"sg-{i:03d}" for i in range(105)]
    store.evaluations.put(SOURCE, [result("ssh", i, NC) for i in ids])
    first = config.get_compliance_details_by_config_rule(ConfigRuleName="ssh", NextToken="")
    assert len(first["EvaluationResults"]) == 10 and first["NextToken"]
    # rdklib's loop: NextToken="" first, then the token it was given, until none comes back.
    seen: list[str] = []
    token = ""
    while True:
        page = config.get_compliance_details_by_config_rule(ConfigRuleName="ssh", Limit=100, NextToken=token)
        seen += [
            r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"]
            for r in page["EvaluationResults"]
        ]
        token = page.get("NextToken", "")
        if not token:
            break
    assert seen == ids
    paged = config.get_paginator("get_compliance_details_by_config_rule").paginate(ConfigRuleName="ssh")
    assert sum(len(p["EvaluationResults"]) for p in paged) == 105


# --- GetComplianceDetailsByResource --------------------------------------------------------------


def test_details_by_resource(config: Any, populated: Store, client_error: Callable[..., str]) -> None:
    results = config.get_compliance_details_by_resource(ResourceType=SG, ResourceId="sg-1")[
        "EvaluationResults"
    ]
    rules = [r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ConfigRuleName"] for r in results]
    assert rules == ["mfa", "ssh"]
    filtered = config.get_compliance_details_by_resource(
        ResourceType=SG, ResourceId="sg-2", ComplianceTypes=["NOT_APPLICABLE"]
    )["EvaluationResults"]
    assert [
        r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ConfigRuleName"] for r in filtered
    ] == ["only-na"]
    assert (
        config.get_compliance_details_by_resource(ResourceType=SG, ResourceId="sg-404")["EvaluationResults"]
        == []
    )
    assert config.get_compliance_details_by_resource(ResourceEvaluationId="eval-1")["EvaluationResults"] == []
    for bad in (
        lambda: config.get_compliance_details_by_resource(ResourceType=SG),
        lambda: config.get_compliance_details_by_resource(
            ResourceType=SG, ResourceId="sg-1", ComplianceTypes=["INSUFFICIENT_DATA"]
        ),
        lambda: config.get_compliance_details_by_resource(ResourceType=SG, ResourceId="sg-1", NextToken="x"),
    ):
        assert client_error(bad) == "InvalidParameterValueException"


def test_details_by_resource_pages(config: Any, store: Store) -> None:
    names = [f"rule-{i:03d}" for i in range(101)]
    add_rules(store, *names)
    store.evaluations.put(SOURCE, [result(name, "sg-1", C) for name in names])
    first = config.get_compliance_details_by_resource(ResourceType=SG, ResourceId="sg-1", NextToken="")
    assert len(first["EvaluationResults"]) == 100 and first["NextToken"]
    paged = config.get_paginator("get_compliance_details_by_resource").paginate(
        ResourceType=SG, ResourceId="sg-1"
    )
    full = paged.build_full_result()["EvaluationResults"]
    assert [
        r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ConfigRuleName"] for r in full
    ] == names


# --- summaries -----------------------------------------------------------------------------------


def test_summary_by_rule(config: Any, populated: Store) -> None:
    summary = config.get_compliance_summary_by_config_rule()["ComplianceSummary"]
    assert summary["CompliantResourceCount"] == {"CappedCount": 1, "CapExceeded": False}
    assert summary["NonCompliantResourceCount"] == {"CappedCount": 1, "CapExceeded": False}
    assert isinstance(summary["ComplianceSummaryTimestamp"], datetime)


def test_summary_by_rule_is_capped_at_25(config: Any, store: Store) -> None:
    names = [f"rule-{i:02d}" for i in range(26)]
    add_rules(store, *names)
    store.evaluations.put(SOURCE, [result(name, "sg-1", NC) for name in names])
    summary = config.get_compliance_summary_by_config_rule()["ComplianceSummary"]
    assert summary["NonCompliantResourceCount"] == {"CappedCount": 25, "CapExceeded": True}
    assert summary["CompliantResourceCount"] == {"CappedCount": 0, "CapExceeded": False}


def test_summary_by_resource_type(config: Any, populated: Store, client_error: Callable[..., str]) -> None:
    (everything,) = config.get_compliance_summary_by_resource_type()["ComplianceSummariesByResourceType"]
    assert "ResourceType" not in everything
    assert everything["ComplianceSummary"]["CompliantResourceCount"] == {
        "CappedCount": 2,
        "CapExceeded": False,
    }
    assert everything["ComplianceSummary"]["NonCompliantResourceCount"] == {
        "CappedCount": 1,
        "CapExceeded": False,
    }
    typed = config.get_compliance_summary_by_resource_type(ResourceTypes=[SG, USER, "AWS::S3::Bucket"])
    summaries = {
        s["ResourceType"]: s["ComplianceSummary"] for s in typed["ComplianceSummariesByResourceType"]
    }
    assert summaries[SG]["CompliantResourceCount"]["CappedCount"] == 1
    assert summaries[SG]["NonCompliantResourceCount"]["CappedCount"] == 1
    assert summaries[USER]["CompliantResourceCount"]["CappedCount"] == 1
    assert summaries["AWS::S3::Bucket"]["CompliantResourceCount"]["CappedCount"] == 0
    assert (
        client_error(
            lambda: config.get_compliance_summary_by_resource_type(
                ResourceTypes=[f"AWS::X::T{i}" for i in range(21)]
            )
        )
        == "ValidationException"
    )


def test_summary_by_resource_type_is_capped_at_100(config: Any, store: Store) -> None:
    add_rules(store, "ssh")
    store.evaluations.put(SOURCE, [result("ssh", f"sg-{i:03d}", NC) for i in range(101)])
    (summary,) = config.get_compliance_summary_by_resource_type(ResourceTypes=[SG])[
        "ComplianceSummariesByResourceType"
    ]
    assert summary["ComplianceSummary"]["NonCompliantResourceCount"] == {
        "CappedCount": 100,
        "CapExceeded": True,
    }


# --- isolation -----------------------------------------------------------------------------------


def test_other_accounts_and_regions_see_nothing(
    live_api: LiveApi, populated: Store, client_error: Callable[..., str]
) -> None:
    elsewhere = AccountRegion(SOURCE.account_id, "eu-west-1")
    populated.rules.put(
        replace(managed_rule("INCOMING_SSH_DISABLED", name="west"), region="eu-west-1"), now=NOW
    )
    populated.evaluations.put(elsewhere, [result("west", "sg-9", NC)])
    for client in (live_api.client(keys=OTHER_KEYS), live_api.client(region="us-west-2")):
        assert client.describe_compliance_by_config_rule()["ComplianceByConfigRules"] == []
        assert client.describe_compliance_by_resource()["ComplianceByResources"] == []
        details = client.get_compliance_details_by_config_rule
        assert client_error(partial(details, ConfigRuleName="ssh")) == "NoSuchConfigRuleException"
        assert (
            client.get_compliance_details_by_resource(ResourceType=SG, ResourceId="sg-1")["EvaluationResults"]
            == []
        )
        summary = client.get_compliance_summary_by_config_rule()["ComplianceSummary"]
        assert summary["NonCompliantResourceCount"]["CappedCount"] == 0
        (by_type,) = client.get_compliance_summary_by_resource_type()["ComplianceSummariesByResourceType"]
        assert by_type["ComplianceSummary"]["NonCompliantResourceCount"]["CappedCount"] == 0
    west = live_api.client(region="eu-west-1")
    assert set(by_rule(west.describe_compliance_by_config_rule())) == {"west"}
    assert list(by_resource(west.describe_compliance_by_resource())) == [(SG, "sg-9")]
    home = live_api.client()
    assert "west" not in by_rule(home.describe_compliance_by_config_rule())
    assert (SG, "sg-9") not in by_resource(home.describe_compliance_by_resource(Limit=100))
