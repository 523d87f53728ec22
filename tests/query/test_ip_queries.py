"""IP-typed properties (cidr_block / ip) compare as address ranges, on SQLite and PostgreSQL, over
security groups and a VPC recorded from the sandbox cloud; and the property index's JSON fallback
for paths it holds only part of."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from roost.cloud.sandbox import Sandbox
from roost.errors import ApiError
from roost.model import AccountRegion, ConfigurationItem, ItemStatus
from roost.query.run import run_query
from roost.store import NewItem, Store
from roost.store.properties import MAX_TEXT
from tests.conftest import REGION, SOURCE, _postgres_store
from tests.query.test_queries import record_sandbox

SG = "AWS::EC2::SecurityGroup"
RANGES = "configuration.ipPermissions.ipRanges"
# name -> (IPv4 ranges, IPv6 ranges) of its one ingress rule.
GROUPS: dict[str, tuple[list[str], list[str]]] = {
    "cidr-a": (["10.0.0.0/24"], []),
    "cidr-b": (["192.168.0.0/24"], []),
    "cidr-host": (["10.0.0.5/32"], []),
    "cidr-world": (["0.0.0.0/0"], ["::/0"]),
    "cidr-v6": ([], ["2001:db8::/32"]),
}


def _record(sandbox: Sandbox, store: Store) -> Store:
    sandbox.reset()
    ec2 = boto3.client(
        "ec2",
        endpoint_url=sandbox.endpoint_url,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    for name, (v4, v6) in GROUPS.items():
        group = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
        rule: dict[str, Any] = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22}
        rule["IpRanges"] = [{"CidrIp": c} for c in v4]
        rule["Ipv6Ranges"] = [{"CidrIpv6": c} for c in v6]
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[rule])
    record_sandbox(sandbox, store, [SG, "AWS::EC2::VPC"])
    return store


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fleet(
    request: pytest.FixtureRequest, sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    if request.param == "sqlite":
        store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('ipq') / 'roost.db'}")
        yield _record(sandbox, store)
        store.close()
    else:
        stores = _postgres_store()
        yield _record(sandbox, next(stores))
        stores.close()


def names(store: Store, condition: str, **options: Any) -> set[str]:
    expression = (
        f"SELECT resourceName WHERE resourceType = '{SG}' AND resourceName LIKE 'cidr%' AND ({condition})"
    )
    rows = run_query(store, [SOURCE], expression, limit=100, next_token=None, **options).rows
    return {r["resourceName"] for r in rows}


CASES: list[tuple[str, str, set[str]]] = [
    # = an address: every range that contains it (AWS).
    ("address-in-a-24", f"{RANGES} = '192.168.0.7'", {"cidr-b", "cidr-world"}),
    ("address-in-a-24-and-a-32", f"{RANGES} = '10.0.0.5'", {"cidr-a", "cidr-host", "cidr-world"}),
    ("address-in-no-range-but-the-world", f"{RANGES} = '8.8.8.8'", {"cidr-world"}),
    ("address-as-a-32", f"{RANGES} = '10.0.0.5/32'", {"cidr-a", "cidr-host", "cidr-world"}),
    # AWS's recipe for an exact address: = and NOT > and NOT <.
    (
        "exact-32",
        f"{RANGES} = '10.0.0.5' AND NOT {RANGES} > '10.0.0.5' AND NOT {RANGES} < '10.0.0.5'",
        {"cidr-host"},
    ),
    # BETWEEN: ranges containing every address from low to high; exact with NOT < and NOT >.
    ("between-a-24", f"{RANGES} BETWEEN '10.0.0.0' AND '10.0.0.255'", {"cidr-a", "cidr-world"}),
    (
        "exact-24",
        f"{RANGES} BETWEEN '10.0.0.0' AND '10.0.0.255' AND NOT {RANGES} < '10.0.0.0' "
        f"AND NOT {RANGES} > '10.0.0.255'",
        {"cidr-a"},
    ),
    ("between-none", f"{RANGES} BETWEEN '10.0.0.0' AND '10.0.1.0' AND NOT {RANGES} < '10.0.0.0'", set()),
    # = a block: that block exactly.
    ("block-0", f"{RANGES} = '0.0.0.0/0'", {"cidr-world"}),
    ("block-24", f"{RANGES} = '10.0.0.0/24'", {"cidr-a"}),
    ("block-other", f"{RANGES} = '10.0.0.0/16'", set()),
    ("in", f"{RANGES} IN ('192.168.0.7', '10.0.0.0/24')", {"cidr-a", "cidr-b", "cidr-world"}),
    ("less-than", f"{RANGES} < '10.0.0.0'", {"cidr-world"}),
    ("greater-or-equal", f"{RANGES} >= '192.168.0.255'", {"cidr-b", "cidr-world"}),
    ("not-equal", f"{RANGES} != '10.0.0.5'", {"cidr-b"}),
    (
        "nested-cidr-ip",
        "configuration.ipPermissions.ipv4Ranges.cidrIp = '10.0.0.9'",
        {"cidr-a", "cidr-world"},
    ),
    # IPv6: its own family; an IPv4 address is in no IPv6 range.
    (
        "ipv6-address",
        "configuration.ipPermissions.ipv6Ranges.cidrIpv6 = '2001:db8::1'",
        {"cidr-v6", "cidr-world"},
    ),
    ("ipv6-elsewhere", "configuration.ipPermissions.ipv6Ranges.cidrIpv6 = '2001:db9::1'", {"cidr-world"}),
    ("ipv4-not-in-ipv6", "configuration.ipPermissions.ipv6Ranges.cidrIpv6 = '10.0.0.5'", set()),
    # LIKE still compares the text.
    ("like", f"{RANGES} LIKE '192.168%'", {"cidr-b"}),
]


@pytest.mark.parametrize("name,condition,expected", CASES, ids=[c[0] for c in CASES])
def test_ip_comparisons(fleet: Store, name: str, condition: str, expected: set[str]) -> None:
    assert names(fleet, condition) == expected


def test_a_vpc_cidr_block_contains_an_address(fleet: Store) -> None:
    expression = (
        "SELECT configuration.cidrBlock WHERE resourceType = 'AWS::EC2::VPC' "
        "AND configuration.cidrBlock = '10.1.2.3'"
    )
    rows = run_query(fleet, [SOURCE], expression, limit=100, next_token=None).rows
    assert rows == [{"configuration": {"cidrBlock": "10.1.0.0/16"}}]


@pytest.mark.parametrize(
    "condition,message",
    [
        (f"{RANGES} = '10.0.0.300'", "'10.0.0.300' is not an IP address"),
        (f"{RANGES} BETWEEN '10.0.0.0' AND 'x'", "'x' is not an IP address"),
        (f"{RANGES} = 5", "5 is not an IP address"),
        (f"{RANGES} IN ('10.0.0.1', 'nope')", "'nope' is not an IP address"),
        (f"{RANGES} BETWEEN '10.0.0.0' AND '::1'", "one family"),
    ],
)
def test_invalid_addresses_are_refused(fleet: Store, condition: str, message: str) -> None:
    with pytest.raises(ApiError) as raised:
        names(fleet, condition)
    assert raised.value.code == "InvalidExpressionException"
    assert message in str(raised.value)


def test_ip_comparisons_are_refused_as_of(fleet: Store) -> None:
    with pytest.raises(ApiError, match="IP property") as raised:
        names(fleet, f"{RANGES} = '10.0.0.5'", as_of=datetime.now(UTC))
    assert raised.value.code == "InvalidExpressionException"
    assert names(fleet, f"{RANGES} LIKE '192.168%'", as_of=datetime.now(UTC)) == {"cidr-b"}


# --- the JSON fallback for paths the index holds only part of ----------------------------------


def test_capped_paths_are_still_answered_exactly(any_store: Store) -> None:
    source = AccountRegion("111122223333", "eu-west-1")
    long_text = "p" * (MAX_TEXT + 5)
    configs = {
        "r-long": {"policy": long_text, "n": 1},
        "r-short": {"policy": "short-policy", "n": 2},
        "r-both": {"policy": ["short-policy", long_text + "x"], "n": 3},
    }
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    batch = []
    for i, (rid, config) in enumerate(configs.items()):
        item = ConfigurationItem(
            account_id=source.account_id,
            region=source.region,
            resource_type="AWS::IAM::Policy",
            resource_id=rid,
            capture_time=t0 + timedelta(seconds=i),
            status=ItemStatus.OK,
            configuration_state_id=1,
            aws_region=source.region,
            resource_name=rid,
            configuration=config,
        )
        batch.append(NewItem(item, f"h{i}"))
    any_store.items.append(batch)

    def ids(condition: str) -> set[str]:
        rows = run_query(
            any_store, [source], f"SELECT resourceId WHERE {condition}", limit=100, next_token=None
        ).rows
        return {r["resourceId"] for r in rows}

    assert ids(f"configuration.policy = '{long_text}'") == {"r-long"}
    assert ids("configuration.policy = 'short-policy'") == {"r-short", "r-both"}
    assert ids("configuration.policy LIKE 'ppp%'") == {"r-long", "r-both"}
    assert ids(f"NOT configuration.policy = '{long_text}'") == {"r-short", "r-both"}
    assert ids("configuration.policy > 'q' OR configuration.n = 1") == {"r-short", "r-both", "r-long"}
