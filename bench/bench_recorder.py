"""The whole recorder against the sandbox: passes over 1,000 and 10,000 security groups.

For each size: a first pass into a fresh SQLite file (every group ResourceDiscovered), then a second
pass with nothing changed (the target: 0 items and 0 writes to the item tables; the pass still
writes its own bookkeeping rows), and, at the smaller size, a pass after 10 groups changed (the
target: exactly 10 items). Creating the groups in the sandbox is not part of any figure.

Each pass's time is split in two: the time spent inside the collector's iteration (the sandbox
answering DescribeSecurityGroups, botocore parsing it, the collector shaping each group), and the
rest, which is roost's own work (hashing, diffing, building items, the store).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.config
import sqlalchemy as sa

from bench.harness import Run, Stopwatch, benchmark, log
from roost.cloud import CloudConnector
from roost.cloud.sandbox import Sandbox
from roost.model import AccountRegion, ConfigurationRecorder, RecordingGroup
from roost.recorder.collector import CollectContext, CollectedResource, Collector, load_collectors
from roost.recorder.recorder import PassResult, Recorder
from roost.registry import Registry
from roost.settings import SANDBOX_ACCOUNT_ID, Settings
from roost.store import Store

REGION = "us-east-1"
SOURCE = AccountRegion(SANDBOX_ACCOUNT_ID, REGION)
CHANGED = 10
ITEM_TABLES = frozenset({"configuration_items", "resources"})
RECORDER = ConfigurationRecorder(
    SANDBOX_ACCOUNT_ID,
    REGION,
    role_arn=f"arn:aws:iam::{SANDBOX_ACCOUNT_ID}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
    recording_group=RecordingGroup(all_supported=True, include_global_resource_types=True),
)


# --- the sandbox's security groups -------------------------------------------------------------


def sandbox_ec2(endpoint_url: str) -> Any:
    config = botocore.config.Config(retries={"mode": "standard", "max_attempts": 3}, read_timeout=600)
    return boto3.client(
        "ec2",
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=config,
    )


def _ingress(index: int) -> list[dict[str, Any]]:
    return [
        {
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "internal clients"}],
        },
        {
            "IpProtocol": "tcp",
            "FromPort": 22,
            "ToPort": 22,
            "IpRanges": [
                {"CidrIp": f"192.168.{index % 256}.{index // 256 % 256}/32", "Description": "bastion"}
            ],
        },
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8090, "IpRanges": [{"CidrIp": "172.16.0.0/12"}]},
    ]


def create_groups(ec2: Any, vpc_id: str, start: int, stop: int) -> list[str]:
    """Groups `start`..`stop-1`, each with three ingress rules (two API calls each).

    Sequential on purpose: moto's server runs in this process (one GIL), so client threads or
    processes do not make it faster, and its EC2 backend is not thread-safe (concurrent
    CreateSecurityGroup calls fail with "dictionary changed size during iteration").

    Untagged on purpose: moto finds each resource's tags by scanning every tag in the region, so
    tagging N groups would make DescribeSecurityGroups O(N^2) and the figures a measure of moto.
    """
    ids = []
    for index in range(start, stop):
        name = f"bench-{index:05d}"
        group_id = ec2.create_security_group(
            GroupName=name, Description=f"bench service {index}", VpcId=vpc_id
        )["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=_ingress(index))
        ids.append(group_id)
        if (index + 1 - start) % 1000 == 0:
            log(f"    created {index + 1 - start:,} of {stop - start:,} groups")
    return ids


def change_groups(ec2: Any, group_ids: Sequence[str]) -> None:
    """A new ingress rule on each group: one new item each on the next pass."""
    for offset, group_id in enumerate(group_ids):
        ec2.authorize_security_group_ingress(
            GroupId=group_id,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 9000 + offset,
                    "ToPort": 9000 + offset,
                    "IpRanges": [{"CidrIp": "10.1.0.0/16"}],
                }
            ],
        )


# --- instruments -------------------------------------------------------------------------------


@dataclass
class CollectTimer:
    """Seconds spent inside collectors' iteration (waiting on the cloud, parsing, shaping)."""

    seconds: float = 0.0


def timed_collectors(timer: CollectTimer) -> Registry[type[Collector]]:
    """roost's collectors, each subclassed so that its `collect` iteration is timed."""
    registry: Registry[type[Collector]] = Registry("collector")
    for name, collector in load_collectors().items():
        registry.add(name, _timed(collector, timer))
    return registry


def _timed(base: type[Collector], timer: CollectTimer) -> type[Collector]:
    def collect(self: Collector, ctx: CollectContext) -> Iterator[CollectedResource]:
        inner = base.collect(self, ctx)
        while True:
            with Stopwatch() as watch:
                try:
                    found = next(inner)
                except StopIteration:
                    found = None
            timer.seconds += watch.seconds
            if found is None:
                return
            yield found

    timed: type[Collector] = type(base.__name__, (base,), {"collect": collect})
    return timed


_WRITE = re.compile(
    r'\s*(INSERT|UPDATE|DELETE)\s+(?:OR\s+\w+\s+)?(?:INTO\s+|FROM\s+)?"?(\w+)"?', re.IGNORECASE
)


@dataclass
class SqlWrites:
    """Write statements sent to the database, by (verb, table), counted at the cursor."""

    statements: Counter[tuple[str, str]] = field(default_factory=Counter)
    rows: Counter[tuple[str, str]] = field(default_factory=Counter)
    transactions: int = 0
    """Write transactions begun (BEGIN IMMEDIATE on SQLite: each one commits with an fsync)."""

    def attach(self, engine: sa.Engine) -> None:
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def reset(self) -> None:
        self.statements.clear()
        self.rows.clear()
        self.transactions = 0

    def _seen(
        self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, executemany: bool
    ) -> None:
        if statement.lstrip().upper().startswith("BEGIN IMMEDIATE"):
            self.transactions += 1
            return
        match = _WRITE.match(statement)
        if match is None:
            return
        key = (match.group(1).upper(), match.group(2).lower())
        self.statements[key] += 1
        self.rows[key] += len(parameters) if executemany else 1

    def item_statements(self) -> int:
        return sum(n for (_, table), n in self.statements.items() if table in ITEM_TABLES)

    def total(self) -> int:
        return sum(self.statements.values())

    def summary(self) -> str:
        parts = [f"{verb} {table} x{n}" for (verb, table), n in sorted(self.statements.items())]
        return ", ".join(parts) or "none"


# --- passes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pass:
    """One measured pass."""

    result: PassResult
    seconds: float
    collecting: float
    """Seconds of the pass spent inside the collectors' iteration."""

    @property
    def items(self) -> int:
        return self.result.items_written

    @property
    def own(self) -> float:
        """Seconds of roost's own work: the pass minus the collection."""
        return self.seconds - self.collecting

    def split(self) -> str:
        errors = len(self.result.errors)
        return f"collect {self.collecting:.2f}s + roost {self.own:.2f}s" + (
            f"; {errors} collection errors" if errors else ""
        )


@dataclass
class Rig:
    """A recorder over the sandbox account, writing into a fresh SQLite file, with instruments."""

    store: Store
    recorder: Recorder
    timer: CollectTimer
    writes: SqlWrites

    def record_pass(self) -> Pass:
        self.timer.seconds = 0.0
        self.writes.reset()
        with Stopwatch() as watch:
            result = self.recorder.record_pass(SOURCE)
        if result.aborted is not None:
            raise RuntimeError(f"the pass could not reach the sandbox: {result.aborted}")
        for error in result.errors:
            log(f"    collection error: {error.resource_type} {error.resource_id or ''}: {error.error_code}")
        return Pass(result, watch.seconds, self.timer.seconds)


def open_rig(run: Run, connector: CloudConnector, label: str) -> Rig:
    """A recorder recording every supported type of the sandbox account's us-east-1, into a fresh file."""
    store = Store.open(f"sqlite:///{run.db_dir / f'recorder-{label}.db'}")
    writes = SqlWrites()
    writes.attach(store.engine)
    store.recorders.put(RECORDER)
    timer = CollectTimer()
    recorder = Recorder(store, connector, collectors=timed_collectors(timer))
    return Rig(store, recorder, timer, writes)


def measure(run: Run, rig: Rig, label: str, ec2: Any, change: Sequence[str], types: int) -> None:
    """The first pass, the unchanged pass, and (if `change` names groups) the pass after they changed."""
    first = rig.record_pass()
    run.report(
        f"{label}.first_pass",
        first.items / first.seconds,
        "items/s",
        f"{first.items:,} items (ResourceDiscovered) in {first.seconds:.2f}s = {first.split()}; "
        f"{types} types collected; {rig.writes.transactions} write transactions",
    )
    run.report(
        f"{label}.first_pass.roost_only",
        first.items / first.own if first.own > 0 else None,
        "items/s",
        "the same pass less its collection time (sandbox listing + botocore parsing + collector shaping)",
    )

    again = rig.record_pass()
    run.report(f"{label}.unchanged_pass", again.seconds, "s", again.split())
    run.report(f"{label}.unchanged_pass.items", again.items, "items", "target 0")
    run.report(
        f"{label}.unchanged_pass.item_writes",
        rig.writes.item_statements(),
        "statements",
        "INSERT/UPDATE/DELETE on configuration_items and resources; target 0",
    )
    run.report(
        f"{label}.unchanged_pass.sql_writes",
        rig.writes.total(),
        "statements",
        f"every write, the pass's bookkeeping included: {rig.writes.summary()}; "
        f"{rig.writes.transactions} write transactions",
    )

    if change:
        change_groups(ec2, change)
        changed = rig.record_pass()
        name = f"{label}.changed{len(change)}_pass"
        run.report(
            name, changed.seconds, "s", f"{len(change)} groups got a new ingress rule; {changed.split()}"
        )
        item_writes = [(key, n) for key, n in sorted(rig.writes.statements.items()) if key[1] in ITEM_TABLES]
        run.report(
            f"{name}.items",
            changed.items,
            "items",
            f"target {len(change)}; item-table writes: "
            + ", ".join(f"{v} {t} x{n}" for (v, t), n in item_writes),
        )


@benchmark("recorder", "the whole recorder against the sandbox: passes over 1,000 and 10,000 security groups")
def recorder_passes(run: Run) -> None:
    # Only the sandbox is ever reached; make sure no stray credentials or profile are picked up.
    os.environ["AWS_ACCESS_KEY_ID"] = "test"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "test"
    os.environ["AWS_DEFAULT_REGION"] = REGION
    os.environ.pop("AWS_PROFILE", None)
    small = run.size(full=1_000, quick=20)
    large = run.size(full=10_000, quick=50)
    with Sandbox() as sandbox:
        sandbox.reset()  # moto's state is per process, not per server: start from an empty account
        ec2 = sandbox_ec2(sandbox.endpoint_url)
        settings = Settings().with_sandbox_account(sandbox.endpoint_url, (REGION,))
        connector = CloudConnector(settings.accounts)

        # Warm-up, in no figure: moto builds each service's backend on first use (IAM loads its
        # managed policies) and boto3 clients are made once per service. A long-running roost pays
        # these once, not per pass.
        rig = open_rig(run, connector, "warmup")
        try:
            warmup = rig.record_pass()
        finally:
            rig.store.close()
        types = len(rig.recorder.plan(RECORDER))
        log(f"  warm-up pass over the empty sandbox: {warmup.seconds:.1f}s, {types} resource types")

        vpc_id = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
        existing = len(ec2.describe_security_groups()["SecurityGroups"])
        log(f"  creating {small:,} security groups in the sandbox")
        with Stopwatch() as watch:
            ids = create_groups(ec2, vpc_id, 0, small)
        run.report(
            "sandbox.create_groups",
            small / watch.seconds,
            "groups/s",
            f"setup, in no other figure: 2 API calls per group, sequential; +{existing} default group",
        )
        rig = open_rig(run, connector, str(small))
        try:
            step = small // CHANGED
            measure(run, rig, f"sg{small}", ec2, ids[step // 2 :: step][:CHANGED], types)
        finally:
            rig.store.close()

        log(f"  creating {large - small:,} more security groups in the sandbox")
        create_groups(ec2, vpc_id, small, large)
        rig = open_rig(run, connector, str(large))
        try:
            measure(run, rig, f"sg{large}", ec2, (), types)
        finally:
            rig.store.close()
