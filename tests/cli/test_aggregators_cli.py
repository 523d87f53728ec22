"""`roost aggregators` as a user runs them: lab part 4 from the terminal, with a second account that
shows nothing until it authorizes the aggregator, and an organization source."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from click.testing import Result

from roost.cloud.sandbox import Sandbox
from roost.model import AccountRegion, ConfigurationRecorder, ResourceKey
from roost.store import NewItem, Store

ACCOUNT = "123456789012"
OTHER = "210987654321"
SG = "AWS::EC2::SecurityGroup"
REGIONS = ("us-east-1", "ap-northeast-2")


def _ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def _json(roost: Callable[..., Result], *args: str) -> Any:
    return json.loads(_ok(roost("-o", "json", *args)))


def _failed(result: Result, *expected: str) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    line = result.output.strip()
    assert line.startswith("roost: ") and "\n" not in line, line
    for text in expected:
        assert text in line, line
    return line


def _open_ssh_group(aws: Callable[..., Any], region: str, name: str) -> str:
    ec2 = aws("ec2", region=region)
    group: str = ec2.create_security_group(GroupName=name, Description="lab")["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    return group


def _record_two_regions(
    roost: Callable[..., Result], cloud: Sandbox, aws: Callable[..., Any]
) -> dict[str, str]:
    """The sandbox account recording in two regions, each with an open group and restricted-ssh."""
    groups = {region: _open_ssh_group(aws, region, f"open-in-{region}") for region in REGIONS}
    Path("roost.toml").write_text(
        f'[[accounts]]\naccount_id = "{ACCOUNT}"\nregions = ["us-east-1", "ap-northeast-2"]\n'
        f'access_key_id = "test"\nsecret_access_key = "test"\nendpoint_url = "{cloud.endpoint_url}"\n'
    )
    for region in REGIONS:
        _ok(roost("recorder", "put", "--region", region))
    recorded = _json(roost, "record", "--once", "--type", SG)
    assert {r["source"] for r in recorded} == {f"{ACCOUNT}/{region}" for region in REGIONS}
    for region in REGIONS:
        added = _ok(roost("rules", "put", "INCOMING_SSH_DISABLED", "--region", region))
        assert f"rule restricted-ssh added in {ACCOUNT}/{region}: NON_COMPLIANT" in added
    return groups


def _second_account(tmp_path: Path, roost: Callable[..., Result], group: str) -> str:
    """A second account recording in us-east-1 (a recorder and one open group, copied from the
    sandbox's item), written into the store directly, with restricted-ssh put there through the CLI."""
    store = Store.open(f"sqlite:///{tmp_path / 'roost.db'}")
    try:
        item = store.items.latest_item(AccountRegion(ACCOUNT, "us-east-1"), ResourceKey(SG, group))
        assert item is not None
        copied = replace(
            item,
            account_id=OTHER,
            resource_id="sg-0ther0000000000001",
            resource_name="open-elsewhere",
            arn=f"arn:aws:ec2:us-east-1:{OTHER}:security-group/sg-0ther0000000000001",
            configuration={**(item.configuration or {}), "groupId": "sg-0ther0000000000001"},
        )
        store.items.append([NewItem(copied, copied.state().content_hash())])
        store.recorders.put(
            ConfigurationRecorder(OTHER, "us-east-1", role_arn=f"arn:aws:iam::{OTHER}:role/config")
        )
    finally:
        store.close()
    added = _ok(roost("rules", "put", "INCOMING_SSH_DISABLED", "--account", OTHER, "--region", "us-east-1"))
    assert "NON_COMPLIANT" in added
    return "sg-0ther0000000000001"


def _statuses(roost: Callable[..., Result], name: str) -> dict[tuple[str, str], str]:
    shown = _json(roost, "aggregators", "show", name)
    return {(s["account"], s["region"]): s["status"] for s in shown["sources"]}


def _resource_sources(roost: Callable[..., Result], *args: str) -> set[tuple[str, str, str]]:
    rows = _json(roost, "aggregators", "resources", *args)
    return {(r["account"], r["region"], r["resource id"]) for r in rows}


def _compliance(roost: Callable[..., Result], *args: str) -> dict[tuple[str, str, str], str]:
    rows = _json(roost, "aggregators", "compliance", *args)
    return {(r["account"], r["region"], r["rule"]): r["compliance"] for r in rows}


def test_lab_part_4_from_the_cli(
    roost: Callable[..., Result], cloud: Sandbox, aws: Callable[..., Any], tmp_path: Path
) -> None:
    groups = _record_two_regions(roost, cloud, aws)

    added = _ok(roost("aggregators", "put", "aggregator", "--account", ACCOUNT, "--all-regions"))
    assert f"aggregator aggregator added in {ACCOUNT}/us-east-1" in added
    assert "2 of 2 sources visible" in added
    assert _statuses(roost, "aggregator") == {
        (ACCOUNT, "ap-northeast-2"): "SUCCEEDED",
        (ACCOUNT, "us-east-1"): "SUCCEEDED",
    }
    # Both regions' groups, from the first region's aggregator.
    found = _resource_sources(roost, "aggregator", "--type", SG)
    assert {(ACCOUNT, region, group) for region, group in groups.items()} <= found
    assert {region for _, region, _ in found} == set(REGIONS)
    assert _resource_sources(roost, "aggregator", "--type", SG, "--region", "ap-northeast-2") == {
        r for r in found if r[1] == "ap-northeast-2"
    }
    # Without --type: every type (the groups, and the rule's AWS::Config::ResourceCompliance items).
    every = _json(roost, "aggregators", "resources", "aggregator")
    assert found <= {(r["account"], r["region"], r["resource id"]) for r in every}
    assert {r["resource type"] for r in every} == {SG, "AWS::Config::ResourceCompliance"}
    by_region = _json(roost, "aggregators", "resources", "aggregator", "--type", SG, "--count-by", "region")
    assert {r["region"]: r["resources"] for r in by_region} == {
        region: sum(1 for r in found if r[1] == region) for region in REGIONS
    }
    # restricted-ssh of the second region, with its compliance.
    assert _compliance(roost, "aggregator") == {
        (ACCOUNT, "ap-northeast-2", "restricted-ssh"): "NON_COMPLIANT",
        (ACCOUNT, "us-east-1", "restricted-ssh"): "NON_COMPLIANT",
    }
    table = _ok(roost("aggregators", "compliance", "aggregator"))
    assert "ap-northeast-2" in table and "restricted-ssh" in table

    listed = _json(roost, "aggregators", "list")
    assert [(a["aggregator"], a["sources"], a["visible"]) for a in listed] == [("aggregator", 2, 2)]
    shown = _ok(roost("aggregators", "show", "aggregator"))
    assert "SUCCEEDED" in shown and f"accounts {ACCOUNT} in all regions" in shown


def test_an_account_is_invisible_until_it_authorizes(
    roost: Callable[..., Result], cloud: Sandbox, aws: Callable[..., Any], tmp_path: Path
) -> None:
    groups = _record_two_regions(roost, cloud, aws)
    other_group = _second_account(tmp_path, roost, groups["us-east-1"])

    # The account list is replaced on update: both accounts now.
    _ok(roost("aggregators", "put", "aggregator", "--account", ACCOUNT, "--all-regions"))
    updated = _ok(
        roost("aggregators", "put", "aggregator", "--account", ACCOUNT, "--account", OTHER, "--all-regions")
    )
    assert "aggregator aggregator updated" in updated and "2 of 3 sources visible" in updated
    shown = _json(roost, "aggregators", "show", "aggregator")
    (refused,) = [s for s in shown["sources"] if s["account"] == OTHER]
    assert (refused["region"], refused["status"]) == ("us-east-1", "FAILED")
    assert refused["error"].startswith("AUTHORIZATION_NOT_FOUND: ")
    assert "FAILED" in _ok(roost("aggregators", "show", "aggregator"))
    # Nothing of theirs is shown.
    assert OTHER not in {a for a, _, _ in _resource_sources(roost, "aggregator", "--type", SG)}
    assert OTHER not in {a for a, _, _ in _compliance(roost, "aggregator")}
    assert _json(roost, "aggregators", "resources", "aggregator", "--account", OTHER) == []

    # The other account's side: the request waits; it authorizes; its data is in.
    requests = _json(roost, "aggregators", "requests", "--account", OTHER, "--region", "us-east-1")
    assert requests == [{"aggregator account": ACCOUNT, "aggregator region": "us-east-1", "state": "PENDING"}]
    granted = _ok(
        roost("aggregators", "authorize", ACCOUNT, "us-east-1", "--account", OTHER, "--region", "us-east-1")
    )
    assert f"{OTHER}/us-east-1 authorized the aggregators of {ACCOUNT}/us-east-1" in granted
    requests = _json(roost, "aggregators", "requests", "--account", OTHER, "--region", "us-east-1")
    assert [r["state"] for r in requests] == ["AUTHORIZED"]
    assert _statuses(roost, "aggregator")[(OTHER, "us-east-1")] == "SUCCEEDED"
    assert _resource_sources(roost, "aggregator", "--account", OTHER, "--type", SG) == {
        (OTHER, "us-east-1", other_group)
    }
    assert _compliance(roost, "aggregator", "--account", OTHER) == {
        (OTHER, "us-east-1", "restricted-ssh"): "NON_COMPLIANT"
    }
    assert len(_compliance(roost, "aggregator", "--status", "NON_COMPLIANT")) == 3
    counts = _json(roost, "aggregators", "resources", "aggregator", "--count-by", "account")
    assert {r["account"] for r in counts} == {ACCOUNT, OTHER}

    # ... and taking the authorization back hides it again.
    _ok(
        roost("aggregators", "deauthorize", ACCOUNT, "us-east-1", "--account", OTHER, "--region", "us-east-1")
    )
    assert _statuses(roost, "aggregator")[(OTHER, "us-east-1")] == "FAILED"
    assert _resource_sources(roost, "aggregator", "--account", OTHER) == set()

    _ok(roost("aggregators", "delete", "aggregator"))
    assert _json(roost, "aggregators", "list") == []


def test_listed_regions_filters_and_errors(
    roost: Callable[..., Result], cloud: Sandbox, aws: Callable[..., Any]
) -> None:
    _record_two_regions(roost, cloud, aws)
    # Listed regions: only those, whether they record or not.
    put = _json(
        roost,
        "aggregators",
        "put",
        "seoul",
        "--account",
        ACCOUNT,
        "--region",
        "ap-northeast-2",
        "--region",
        "eu-west-1",
        "--resource-type",
        SG,
    )
    assert put["AccountAggregationSources"] == [
        {"AccountIds": [ACCOUNT], "AwsRegions": ["ap-northeast-2", "eu-west-1"], "AllAwsRegions": False}
    ]
    assert put["AggregatorFilters"]["ResourceType"]["Value"] == [SG]
    assert set(_statuses(roost, "seoul")) == {(ACCOUNT, "ap-northeast-2"), (ACCOUNT, "eu-west-1")}
    assert {r for _, r, _ in _resource_sources(roost, "seoul")} == {"ap-northeast-2"}
    assert _resource_sources(roost, "seoul", "--type", "AWS::S3::Bucket") == set()
    assert set(_compliance(roost, "seoul")) == {(ACCOUNT, "ap-northeast-2", "restricted-ssh")}

    _failed(roost("aggregators", "put", "x", "--account", ACCOUNT), "--all-regions")
    _failed(roost("aggregators", "put", "x", "--all-regions"), "--account")
    _failed(
        roost("aggregators", "put", "x", "--account", ACCOUNT, "--all-regions", "--region", "us-east-1"),
        "not both",
    )
    _failed(roost("aggregators", "put", "x", "--account", "12", "--all-regions"), "ValidationException")
    _failed(roost("aggregators", "show", "nothing"), "no aggregator nothing")
    _failed(roost("aggregators", "resources", "nothing"), "no aggregator nothing")
    _failed(roost("aggregators", "delete", "nothing"), "NoSuchConfigurationAggregatorException")
    # PutConfigurationAggregator checks the organization; an account roost cannot reach fails it.
    role = "arn:aws:iam::111122223333:role/aggregator"
    _failed(
        roost(
            "aggregators",
            "put",
            "org",
            "--organization-role",
            role,
            "--all-regions",
            "--aggregator-account",
            "111122223333",
        ),
        "InvalidRoleException",
        "111122223333",
    )
    assert [a["aggregator"] for a in _json(roost, "aggregators", "list")] == ["seoul"]


def test_an_organization_source(
    roost: Callable[..., Result], cloud: Sandbox, aws: Callable[..., Any]
) -> None:
    _record_two_regions(roost, cloud, aws)
    aws("organizations").create_organization(FeatureSet="ALL")
    role = f"arn:aws:iam::{ACCOUNT}:role/aggregator"
    added = _ok(roost("aggregators", "put", "org", "--organization-role", role, "--all-regions"))
    assert "aggregator org added" in added and "organization (role " in added
    shown = _json(roost, "aggregators", "show", "org")
    own = {(s["account"], s["region"]): (s["type"], s["status"]) for s in shown["sources"]}
    assert own[(ACCOUNT, "us-east-1")] == ("ORGANIZATION", "SUCCEEDED")
    assert own[(ACCOUNT, "ap-northeast-2")] == ("ORGANIZATION", "SUCCEEDED")
    assert {r for _, r, _ in _resource_sources(roost, "org", "--type", SG)} == set(REGIONS)
