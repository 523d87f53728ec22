"""Aggregate reads through boto3 (and the AWS CLI) against a live roost: what an aggregator shows of the
sandbox account recorded in two regions and of a second account, before, during and after that account
authorizes it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from roost.compliance import ComplianceType, EvaluationResult
from roost.model import AccountRegion, ConfigurationItem, ConfigurationRecorder, ItemStatus, RecordingGroup
from roost.store import NewItem, Store
from tests.api.conftest import OTHER_KEYS, LiveApi, aws_configservice
from tests.rules.conftest import managed_rule

OWN = "123456789012"
OTHER = OTHER_KEYS.account_id
EAST = "us-east-1"
SEOUL = "ap-northeast-2"
SG = "AWS::EC2::SecurityGroup"
QUEUE = "AWS::SQS::Queue"
ROLE = "arn:aws:iam::123456789012:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
C = ComplianceType.COMPLIANT
NC = ComplianceType.NON_COMPLIANT
NA = ComplianceType.NOT_APPLICABLE
AGGREGATE_OPERATIONS = {
    "describe_aggregate_compliance_by_config_rules": {},
    "get_aggregate_compliance_details_by_config_rule": {
        "ConfigRuleName": "ssh",
        "AccountId": OWN,
        "AwsRegion": EAST,
    },
    "get_aggregate_config_rule_compliance_summary": {},
    "get_aggregate_discovered_resource_counts": {},
    "list_aggregate_discovered_resources": {"ResourceType": SG},
    "get_aggregate_resource_config": {
        "ResourceIdentifier": {
            "SourceAccountId": OWN,
            "SourceRegion": EAST,
            "ResourceId": "sg-1",
            "ResourceType": SG,
        }
    },
    "batch_get_aggregate_resource_config": {
        "ResourceIdentifiers": [
            {"SourceAccountId": OWN, "SourceRegion": EAST, "ResourceId": "sg-1", "ResourceType": SG}
        ]
    },
}


@dataclass
class World:
    """What the tests read: the sandbox's groups per region, its queue, the other account's groups."""

    config: Any
    other: Any
    groups: dict[str, set[str]]
    web: str
    db: str
    queue: str
    other_groups: set[str]
    other_gone: str

    def authorize(self) -> None:
        self.other.put_aggregation_authorization(AuthorizedAccountId=OWN, AuthorizedAwsRegion=EAST)

    def revoke(self) -> None:
        self.other.delete_aggregation_authorization(AuthorizedAccountId=OWN, AuthorizedAwsRegion=EAST)


def _item(source: AccountRegion, resource_type: str, resource_id: str, state_id: int, **kw: Any) -> NewItem:
    item = ConfigurationItem(
        account_id=source.account_id,
        region=source.region,
        resource_type=resource_type,
        resource_id=resource_id,
        capture_time=NOW + timedelta(seconds=state_id),
        status=kw.pop("status", ItemStatus.RESOURCE_DISCOVERED),
        configuration_state_id=state_id,
        aws_region=source.region,
        configuration={"groupId": resource_id},
        **kw,
    )
    return NewItem(item, f"hash-{resource_id}-{state_id}")


def _result(
    rule: str, resource_id: str, compliance: ComplianceType, resource_type: str = SG
) -> EvaluationResult:
    return EvaluationResult(
        rule_name=rule,
        resource_type=resource_type,
        resource_id=resource_id,
        compliance_type=compliance,
        ordering_timestamp=NOW,
        result_recorded_time=NOW + timedelta(seconds=1),
        config_rule_invoked_time=NOW,
        annotation=f"{rule} on {resource_id}",
    )


def _rules(store: Store, source: AccountRegion, *names: str) -> None:
    for name in names:
        rule = managed_rule("INCOMING_SSH_DISABLED", name=name)
        rule = replace(
            rule,
            account_id=source.account_id,
            region=source.region,
            rule_id=f"config-rule-{uuid.uuid4().hex[:6]}",
        )
        store.rules.put(rule, now=NOW)


@pytest.fixture
def world(live_api: LiveApi, aws: Callable[..., Any]) -> World:
    """The sandbox recorded in us-east-1 (groups, a queue) and ap-northeast-2 (groups); account
    210987654321 in us-east-1 put in the store (two groups and a deleted one); rules and results in
    each; an aggregator "all" over both accounts in all regions."""
    store = live_api.services.store
    recorder = live_api.services.recorder
    assert recorder is not None
    web = aws("ec2").create_security_group(GroupName="web", Description="web")["GroupId"]
    db = aws("ec2", region=SEOUL).create_security_group(GroupName="db", Description="db")["GroupId"]
    queue_url = aws("sqs").create_queue(QueueName="jobs")["QueueUrl"]
    for region in (EAST, SEOUL):
        store.recorders.put(
            ConfigurationRecorder(
                OWN, region, role_arn=ROLE, recording_group=RecordingGroup(all_supported=True)
            )
        )
        recorder.record_pass(AccountRegion(OWN, region), resource_types=[SG, QUEUE])
    groups = {
        region: {g["GroupId"] for g in aws("ec2", region=region).describe_security_groups()["SecurityGroups"]}
        for region in (EAST, SEOUL)
    }
    queues = {r.resource_id for r in store.items.discovered(AccountRegion(OWN, EAST), QUEUE)}
    assert len(queues) == 1, queue_url
    queue = queues.pop()
    assert {r.resource_id for r in store.items.discovered(AccountRegion(OWN, EAST), SG)} == groups[EAST]

    other = AccountRegion(OTHER, EAST)
    store.items.append(
        [
            _item(other, SG, "sg-other1", 1, resource_name="alpha", tags={"team": "a"}),
            _item(other, SG, "sg-other2", 2, resource_name="beta"),
            _item(other, SG, "sg-gone", 3),
        ]
    )
    store.items.append([_item(other, SG, "sg-gone", 4, status=ItemStatus.RESOURCE_DELETED)])

    own_east, own_seoul = AccountRegion(OWN, EAST), AccountRegion(OWN, SEOUL)
    _rules(store, own_east, "ssh", "mfa", "only-na", "empty", "queues")
    _rules(store, own_seoul, "ssh")
    _rules(store, other, "ssh", "mfa")
    store.evaluations.put(
        own_east,
        [
            _result("ssh", web, NC),
            *(_result("ssh", g, C) for g in groups[EAST] - {web}),
            _result("mfa", web, C),
            _result("only-na", web, NA),
            _result("queues", queue, NC, QUEUE),
        ],
    )
    store.evaluations.put(own_seoul, [_result("ssh", db, C)])
    store.evaluations.put(other, [_result("ssh", "sg-other1", NC), _result("mfa", "sg-other2", C)])

    config = live_api.client()
    config.put_configuration_aggregator(
        ConfigurationAggregatorName="all",
        AccountAggregationSources=[{"AccountIds": [OWN, OTHER], "AllAwsRegions": True}],
    )
    return World(
        config=config,
        other=live_api.client(keys=OTHER_KEYS),
        groups=groups,
        web=web,
        db=db,
        queue=queue,
        other_groups={"sg-other1", "sg-other2"},
        other_gone="sg-gone",
    )


def _listed(
    config: Any, resource_type: str = SG, name: str = "all", **kwargs: Any
) -> set[tuple[str, str, str]]:
    found = set()
    paginator = config.get_paginator("list_aggregate_discovered_resources")
    for page in paginator.paginate(ConfigurationAggregatorName=name, ResourceType=resource_type, **kwargs):
        found |= {
            (r["SourceAccountId"], r["SourceRegion"], r["ResourceId"]) for r in page["ResourceIdentifiers"]
        }
    return found


def _identifier(account: str, region: str, resource_id: str, resource_type: str = SG) -> dict[str, str]:
    return {
        "SourceAccountId": account,
        "SourceRegion": region,
        "ResourceId": resource_id,
        "ResourceType": resource_type,
    }


def _own(world: World) -> set[tuple[str, str, str]]:
    return {(OWN, region, g) for region, ids in world.groups.items() for g in ids}


def _others(world: World) -> set[tuple[str, str, str]]:
    return {(OTHER, EAST, g) for g in world.other_groups}


# --- visibility ----------------------------------------------------------------------------------


def test_own_account_in_all_regions_and_another_account_only_while_authorized(
    world: World, client_error: Callable[..., str]
) -> None:
    config = world.config
    own = _own(world)
    assert {r for _, r, _ in own} == {EAST, SEOUL}
    assert _listed(config) == own

    other_group = _identifier(OTHER, EAST, "sg-other1")
    get = lambda: config.get_aggregate_resource_config(  # noqa: E731
        ConfigurationAggregatorName="all", ResourceIdentifier=other_group
    )
    assert client_error(get) == "ResourceNotDiscoveredException"

    world.authorize()
    assert _listed(config) == own | _others(world)  # the deleted sg-gone is never shown
    item = get()["ConfigurationItem"]
    assert (item["accountId"], item["awsRegion"], item["resourceId"]) == (OTHER, EAST, "sg-other1")
    assert item["tags"] == {"team": "a"} and item["resourceName"] == "alpha"
    assert json.loads(item["configuration"]) == {"groupId": "sg-other1"}
    counts = config.get_aggregate_discovered_resource_counts(
        ConfigurationAggregatorName="all", GroupByKey="ACCOUNT_ID"
    )
    assert {g["GroupName"]: g["ResourceCount"] for g in counts["GroupedResourceCounts"]}[OTHER] == 2

    world.revoke()
    assert _listed(config) == own
    assert client_error(get) == "ResourceNotDiscoveredException"
    counts = config.get_aggregate_discovered_resource_counts(
        ConfigurationAggregatorName="all", GroupByKey="ACCOUNT_ID"
    )
    assert OTHER not in {g["GroupName"] for g in counts["GroupedResourceCounts"]}


def test_an_aggregator_over_listed_regions_shows_only_those(world: World) -> None:
    world.authorize()
    world.config.put_configuration_aggregator(
        ConfigurationAggregatorName="seoul",
        AccountAggregationSources=[{"AccountIds": [OWN], "AwsRegions": [SEOUL]}],
    )
    assert _listed(world.config, name="seoul") == {(OWN, SEOUL, g) for g in world.groups[SEOUL]}


def test_an_authorization_for_another_region_does_not_open_this_one(world: World) -> None:
    world.other.put_aggregation_authorization(AuthorizedAccountId=OWN, AuthorizedAwsRegion=SEOUL)
    assert _listed(world.config) == _own(world)


# --- resources -----------------------------------------------------------------------------------


def test_discovered_resource_counts_total_and_groups(world: World) -> None:
    world.authorize()
    config = world.config
    east, seoul = len(world.groups[EAST]), len(world.groups[SEOUL])
    total = east + seoul + 1 + 2  # the queue, the other account's two live groups
    counts = config.get_aggregate_discovered_resource_counts(ConfigurationAggregatorName="all")
    assert counts["TotalDiscoveredResources"] == total
    assert "GroupByKey" not in counts and counts.get("GroupedResourceCounts", []) == []

    def grouped(key: str, **kwargs: Any) -> dict[str, int]:
        answer = config.get_aggregate_discovered_resource_counts(
            ConfigurationAggregatorName="all", GroupByKey=key, **kwargs
        )
        assert answer["GroupByKey"] == key
        return {g["GroupName"]: g["ResourceCount"] for g in answer["GroupedResourceCounts"]}

    assert grouped("RESOURCE_TYPE") == {SG: east + seoul + 2, QUEUE: 1}
    assert grouped("ACCOUNT_ID") == {OWN: east + seoul + 1, OTHER: 2}
    assert grouped("AWS_REGION") == {EAST: east + 1 + 2, SEOUL: seoul}
    assert grouped("AWS_REGION", Filters={"AccountId": OTHER}) == {EAST: 2}
    assert grouped("ACCOUNT_ID", Filters={"Region": SEOUL}) == {OWN: seoul}
    assert grouped("ACCOUNT_ID", Filters={"ResourceType": QUEUE}) == {OWN: 1}
    filtered = config.get_aggregate_discovered_resource_counts(
        ConfigurationAggregatorName="all", Filters={"ResourceType": SG, "AccountId": OWN, "Region": EAST}
    )
    assert filtered["TotalDiscoveredResources"] == east


def test_discovered_resource_counts_page_most_numerous_first(
    world: World, client_error: Callable[..., str]
) -> None:
    world.authorize()
    config = world.config
    first = config.get_aggregate_discovered_resource_counts(
        ConfigurationAggregatorName="all", GroupByKey="AWS_REGION", Limit=1
    )
    east = len(world.groups[EAST]) + 3
    assert first["GroupedResourceCounts"] == [{"GroupName": EAST, "ResourceCount": east}]
    second = config.get_aggregate_discovered_resource_counts(
        ConfigurationAggregatorName="all", GroupByKey="AWS_REGION", Limit=1, NextToken=first["NextToken"]
    )
    assert second["GroupedResourceCounts"] == [
        {"GroupName": SEOUL, "ResourceCount": len(world.groups[SEOUL])}
    ]
    assert "NextToken" not in second
    assert second["TotalDiscoveredResources"] == first["TotalDiscoveredResources"]
    bad = lambda: config.get_aggregate_discovered_resource_counts(  # noqa: E731
        ConfigurationAggregatorName="all", GroupByKey="AWS_REGION", NextToken="garbage"
    )
    assert client_error(bad) == "InvalidNextTokenException"


def test_list_resources_filters_and_pages(world: World, client_error: Callable[..., str]) -> None:
    world.authorize()
    config = world.config
    everything = _own(world) | _others(world)
    assert _listed(config, PaginationConfig={"PageSize": 2}) == everything
    first = config.list_aggregate_discovered_resources(
        ConfigurationAggregatorName="all", ResourceType=SG, Limit=2
    )
    assert len(first["ResourceIdentifiers"]) == 2 and "NextToken" in first
    ordered = sorted(everything)
    assert [
        (r["SourceAccountId"], r["SourceRegion"], r["ResourceId"]) for r in first["ResourceIdentifiers"]
    ] == ordered[:2]
    assert _listed(config, Filters={"AccountId": OTHER}) == _others(world)
    assert _listed(config, Filters={"Region": SEOUL}) == {(OWN, SEOUL, g) for g in world.groups[SEOUL]}
    assert _listed(config, Filters={"ResourceId": world.web}) == {(OWN, EAST, world.web)}
    named = config.list_aggregate_discovered_resources(
        ConfigurationAggregatorName="all", ResourceType=SG, Filters={"ResourceName": "beta"}
    )["ResourceIdentifiers"]
    assert named == [
        {
            "SourceAccountId": OTHER,
            "SourceRegion": EAST,
            "ResourceId": "sg-other2",
            "ResourceType": SG,
            "ResourceName": "beta",
        }
    ]
    assert _listed(config, QUEUE) == {(OWN, EAST, world.queue)}
    assert _listed(config, Filters={"ResourceId": "sg-gone"}) == set()
    other_type = lambda: config.list_aggregate_discovered_resources(  # noqa: E731
        ConfigurationAggregatorName="all", ResourceType=QUEUE, NextToken=first["NextToken"]
    )
    assert client_error(other_type) == "InvalidNextTokenException"


def test_aggregator_resource_type_filter_limits_what_it_shows(
    world: World, client_error: Callable[..., str]
) -> None:
    config = world.config
    config.put_configuration_aggregator(
        ConfigurationAggregatorName="groups",
        AccountAggregationSources=[{"AccountIds": [OWN], "AllAwsRegions": True}],
        AggregatorFilters={"ResourceType": {"Type": "INCLUDE", "Value": [SG]}},
    )
    assert _listed(config, QUEUE, name="groups") == set()
    assert _listed(config, name="groups") == _own(world)
    counts = config.get_aggregate_discovered_resource_counts(
        ConfigurationAggregatorName="groups", GroupByKey="RESOURCE_TYPE"
    )
    assert [g["GroupName"] for g in counts["GroupedResourceCounts"]] == [SG]
    only_queues = config.get_aggregate_discovered_resource_counts(
        ConfigurationAggregatorName="groups", Filters={"ResourceType": QUEUE}
    )
    assert only_queues["TotalDiscoveredResources"] == 0
    queue = lambda: config.get_aggregate_resource_config(  # noqa: E731
        ConfigurationAggregatorName="groups", ResourceIdentifier=_identifier(OWN, EAST, world.queue, QUEUE)
    )
    assert client_error(queue) == "ResourceNotDiscoveredException"
    batch = config.batch_get_aggregate_resource_config(
        ConfigurationAggregatorName="groups",
        ResourceIdentifiers=[_identifier(OWN, EAST, world.queue, QUEUE), _identifier(OWN, EAST, world.web)],
    )
    assert [i["resourceId"] for i in batch["BaseConfigurationItems"]] == [world.web]
    # The "queues" rule judged only the queue: the filtered aggregator has no compliance of it.
    rules = config.describe_aggregate_compliance_by_config_rules(ConfigurationAggregatorName="groups")
    assert "queues" not in {r["ConfigRuleName"] for r in rules["AggregateComplianceByConfigRules"]}
    unfiltered = config.describe_aggregate_compliance_by_config_rules(ConfigurationAggregatorName="all")
    assert "queues" in {r["ConfigRuleName"] for r in unfiltered["AggregateComplianceByConfigRules"]}


def test_resource_config_is_the_current_item(world: World, client_error: Callable[..., str]) -> None:
    config = world.config
    item = config.get_aggregate_resource_config(
        ConfigurationAggregatorName="all", ResourceIdentifier=_identifier(OWN, SEOUL, world.db)
    )["ConfigurationItem"]
    assert (item["accountId"], item["awsRegion"], item["resourceType"]) == (OWN, SEOUL, SG)
    assert item["resourceName"] == "db" and "relationships" in item and "tags" in item
    assert json.loads(item["configuration"])["groupName"] == "db"
    world.authorize()
    for identifier in (
        _identifier(OTHER, EAST, "sg-gone"),  # deleted
        _identifier(OWN, EAST, "sg-nope"),  # never recorded
        _identifier(OWN, SEOUL, world.web),  # in another region
        _identifier(OWN, "eu-west-1", world.web),  # a region the aggregator does not cover
    ):
        call = lambda i=identifier: config.get_aggregate_resource_config(  # noqa: E731
            ConfigurationAggregatorName="all", ResourceIdentifier=i
        )
        assert client_error(call) == "ResourceNotDiscoveredException", identifier


def test_batch_get_returns_visible_current_items_without_tags_or_relationships(world: World) -> None:
    config = world.config
    wanted = [
        _identifier(OWN, SEOUL, world.db),
        _identifier(OTHER, EAST, "sg-other1"),  # not authorized (yet)
        _identifier(OTHER, EAST, "sg-gone"),  # deleted
        _identifier(OWN, EAST, "sg-nope"),  # never recorded
        _identifier(OWN, EAST, world.web),
    ]
    answer = config.batch_get_aggregate_resource_config(
        ConfigurationAggregatorName="all", ResourceIdentifiers=wanted
    )
    assert [(i["accountId"], i["resourceId"]) for i in answer["BaseConfigurationItems"]] == [
        (OWN, world.db),
        (OWN, world.web),
    ]
    assert answer["UnprocessedResourceIdentifiers"] == []
    for item in answer["BaseConfigurationItems"]:
        assert "tags" not in item and "relationships" not in item
        assert item["configurationItemStatus"] in ("ResourceDiscovered", "OK")
    world.authorize()
    answer = config.batch_get_aggregate_resource_config(
        ConfigurationAggregatorName="all", ResourceIdentifiers=wanted
    )
    assert [(i["accountId"], i["resourceId"]) for i in answer["BaseConfigurationItems"]] == [
        (OWN, world.db),
        (OTHER, "sg-other1"),
        (OWN, world.web),
    ]


# --- compliance ----------------------------------------------------------------------------------


def _by_rule(answer: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {
        (r["AccountId"], r["AwsRegion"], r["ConfigRuleName"]): r["Compliance"]
        for r in answer["AggregateComplianceByConfigRules"]
    }


def test_compliance_by_config_rules_one_entry_per_source_and_rule(world: World) -> None:
    config = world.config
    one = {"CappedCount": 1, "CapExceeded": False}
    own = {
        (OWN, EAST, "ssh"): {"ComplianceType": "NON_COMPLIANT", "ComplianceContributorCount": one},
        (OWN, EAST, "mfa"): {"ComplianceType": "COMPLIANT"},
        (OWN, EAST, "queues"): {"ComplianceType": "NON_COMPLIANT", "ComplianceContributorCount": one},
        (OWN, SEOUL, "ssh"): {"ComplianceType": "COMPLIANT"},
    }
    # Rules without results, or with only NOT_APPLICABLE ones ("empty", "only-na"), are left out.
    assert (
        _by_rule(config.describe_aggregate_compliance_by_config_rules(ConfigurationAggregatorName="all"))
        == own
    )
    world.authorize()
    everything = _by_rule(
        config.describe_aggregate_compliance_by_config_rules(ConfigurationAggregatorName="all")
    )
    assert everything == {
        **own,
        (OTHER, EAST, "ssh"): {"ComplianceType": "NON_COMPLIANT", "ComplianceContributorCount": one},
        (OTHER, EAST, "mfa"): {"ComplianceType": "COMPLIANT"},
    }

    def filtered(**filters: str) -> set[tuple[str, str, str]]:
        return set(
            _by_rule(
                config.describe_aggregate_compliance_by_config_rules(
                    ConfigurationAggregatorName="all", Filters=filters
                )
            )
        )

    assert filtered(ConfigRuleName="ssh") == {(OWN, EAST, "ssh"), (OWN, SEOUL, "ssh"), (OTHER, EAST, "ssh")}
    assert filtered(ComplianceType="COMPLIANT") == {
        (OWN, EAST, "mfa"),
        (OWN, SEOUL, "ssh"),
        (OTHER, EAST, "mfa"),
    }
    assert filtered(ComplianceType="NON_COMPLIANT", AccountId=OWN) == {
        (OWN, EAST, "ssh"),
        (OWN, EAST, "queues"),
    }
    assert filtered(AwsRegion=SEOUL) == {(OWN, SEOUL, "ssh")}
    assert filtered(AccountId=OTHER, ConfigRuleName="mfa") == {(OTHER, EAST, "mfa")}


def test_compliance_by_config_rules_pages(world: World, client_error: Callable[..., str]) -> None:
    world.authorize()
    config = world.config
    seen: list[tuple[str, str, str]] = []
    token = None
    while True:
        page = config.describe_aggregate_compliance_by_config_rules(
            ConfigurationAggregatorName="all", Limit=4, **({"NextToken": token} if token else {})
        )
        assert len(page["AggregateComplianceByConfigRules"]) <= 4
        seen += list(_by_rule(page))
        token = page.get("NextToken")
        if token is None:
            break
    assert len(seen) == 6 and seen == sorted(seen)
    unsupported = lambda: config.describe_aggregate_compliance_by_config_rules(  # noqa: E731
        ConfigurationAggregatorName="all", Filters={"ComplianceType": "NOT_APPLICABLE"}
    )
    assert client_error(unsupported) == "ValidationException"
    forged = lambda: config.describe_aggregate_compliance_by_config_rules(  # noqa: E731
        ConfigurationAggregatorName="all", NextToken="bm90IGEgdG9rZW4"
    )
    assert client_error(forged) == "InvalidNextTokenException"


def test_compliance_details_of_a_rule_in_one_source(world: World, client_error: Callable[..., str]) -> None:
    config = world.config

    def details(account: str = OWN, region: str = EAST, rule: str = "ssh", **kw: Any) -> dict[str, Any]:
        answer: dict[str, Any] = config.get_aggregate_compliance_details_by_config_rule(
            ConfigurationAggregatorName="all", ConfigRuleName=rule, AccountId=account, AwsRegion=region, **kw
        )
        return answer

    results = details()["AggregateEvaluationResults"]
    assert {r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"] for r in results} == (
        world.groups[EAST]
    )
    web = next(
        r
        for r in results
        if r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"] == world.web
    )
    assert web["ComplianceType"] == "NON_COMPLIANT" and web["Annotation"] == f"ssh on {world.web}"
    assert (web["AccountId"], web["AwsRegion"]) == (OWN, EAST)
    qualifier = web["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
    assert qualifier == {
        "ConfigRuleName": "ssh",
        "ResourceType": SG,
        "ResourceId": world.web,
        "EvaluationMode": "DETECTIVE",
    }
    only_nc = details(ComplianceType="NON_COMPLIANT")["AggregateEvaluationResults"]
    assert [r["ComplianceType"] for r in only_nc] == ["NON_COMPLIANT"]
    assert details(rule="only-na")["AggregateEvaluationResults"] == []  # NOT_APPLICABLE is never shown
    assert details(rule="no-such-rule")["AggregateEvaluationResults"] == []

    # Paging, one result at a time.
    ids: list[str] = []
    token = None
    while True:
        page = details(Limit=1, **({"NextToken": token} if token else {}))
        ids += [
            r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"]
            for r in page["AggregateEvaluationResults"]
        ]
        token = page.get("NextToken")
        if token is None:
            break
    assert ids == sorted(world.groups[EAST])

    # Another account's source: nothing until it authorizes.
    assert details(account=OTHER)["AggregateEvaluationResults"] == []
    world.authorize()
    other = details(account=OTHER)["AggregateEvaluationResults"]
    assert [(r["AccountId"], r["ComplianceType"]) for r in other] == [(OTHER, "NON_COMPLIANT")]
    assert client_error(lambda: details(ComplianceType="INSUFFICIENT_DATA")) == "ValidationException"


def test_config_rule_compliance_summary_counts_rules(world: World) -> None:
    config = world.config

    def summary(**kw: Any) -> dict[str | None, tuple[int, int]]:
        answer = config.get_aggregate_config_rule_compliance_summary(ConfigurationAggregatorName="all", **kw)
        assert answer.get("GroupByKey") == kw.get("GroupByKey")
        found = {}
        for entry in answer["AggregateComplianceCounts"]:
            counts = entry["ComplianceSummary"]
            assert not counts["CompliantResourceCount"]["CapExceeded"]
            assert "ComplianceSummaryTimestamp" in counts
            found[entry.get("GroupName")] = (
                counts["CompliantResourceCount"]["CappedCount"],
                counts["NonCompliantResourceCount"]["CappedCount"],
            )
        return found

    # Own account: us-east-1 mfa COMPLIANT, ssh and queues NON_COMPLIANT; ap-northeast-2 ssh COMPLIANT.
    assert summary() == {None: (2, 2)}
    world.authorize()  # the other account: mfa COMPLIANT, ssh NON_COMPLIANT
    assert summary() == {None: (3, 3)}
    assert summary(GroupByKey="ACCOUNT_ID") == {OWN: (2, 2), OTHER: (1, 1)}
    assert summary(GroupByKey="AWS_REGION") == {EAST: (2, 3), SEOUL: (1, 0)}
    assert summary(GroupByKey="AWS_REGION", Filters={"AccountId": OWN}) == {EAST: (1, 2), SEOUL: (1, 0)}
    assert summary(GroupByKey="ACCOUNT_ID", Filters={"AwsRegion": SEOUL}) == {OWN: (1, 0)}
    assert summary(Filters={"AccountId": OTHER}) == {None: (1, 1)}
    first = config.get_aggregate_config_rule_compliance_summary(
        ConfigurationAggregatorName="all", GroupByKey="ACCOUNT_ID", Limit=1
    )
    assert [e["GroupName"] for e in first["AggregateComplianceCounts"]] == [OWN]
    second = config.get_aggregate_config_rule_compliance_summary(
        ConfigurationAggregatorName="all", GroupByKey="ACCOUNT_ID", Limit=1, NextToken=first["NextToken"]
    )
    assert [e["GroupName"] for e in second["AggregateComplianceCounts"]] == [OTHER]
    assert "NextToken" not in second
    world.revoke()
    assert summary(GroupByKey="ACCOUNT_ID") == {OWN: (2, 2)}


# --- errors and the CLI --------------------------------------------------------------------------


@pytest.mark.parametrize("method", sorted(AGGREGATE_OPERATIONS))
def test_an_unknown_aggregator_is_no_such_aggregator(
    live_api: LiveApi, method: str, client_error: Callable[..., str]
) -> None:
    config = live_api.client()
    call = lambda: getattr(config, method)(  # noqa: E731
        ConfigurationAggregatorName="nope", **AGGREGATE_OPERATIONS[method]
    )
    assert client_error(call) == "NoSuchConfigurationAggregatorException"


def test_another_accounts_aggregator_of_the_same_name_is_not_yours(
    world: World, client_error: Callable[..., str]
) -> None:
    call = lambda: world.other.get_aggregate_discovered_resource_counts(  # noqa: E731
        ConfigurationAggregatorName="all"
    )
    assert client_error(call) == "NoSuchConfigurationAggregatorException"


def test_aws_cli_reads_aggregate_counts(world: World, live_api: LiveApi) -> None:
    answer = aws_configservice(
        live_api.url,
        "get-aggregate-discovered-resource-counts",
        "--configuration-aggregator-name",
        "all",
        "--group-by-key",
        "AWS_REGION",
        region=EAST,
    )
    assert answer["TotalDiscoveredResources"] == len(world.groups[EAST]) + len(world.groups[SEOUL]) + 1
    assert {g["GroupName"] for g in answer["GroupedResourceCounts"]} == {EAST, SEOUL}
