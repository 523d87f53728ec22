"""Aggregate reads over many accounts and regions: what an aggregator answers, and how fast.

Synthetic data (no sandbox): 100 accounts x 16 regions (`--quick`: 10 x 4), each source with a
recorder, 20 rules (`--quick`: 5) and its share of 100,000 current resources (`--quick`: 5,000) of
10 resource types; every rule judges the resources of one type in its source (about 200,000
results in all; 19 in 20 COMPLIANT, 1 in 20 NON_COMPLIANT). An aggregator of the first account
(123456789012, us-east-1) covers every account in AllAwsRegions; every other account authorized it
in every region, so all 1,600 sources are visible.

Loaded through the store's own write paths: resources with `store.items.append` (batches of 1,000
minimal items: one configuration item and the `resources` row each), results with
`store.evaluations.put` (one call per source), recorders with `store.recorders.put`, authorizations
with `store.aggregators.authorize`, the aggregator with `store.aggregators.put`. Rules alone are
inserted with SQLAlchemy Core through `store.engine` (one executemany, the document serialised by
`roost.store.rules.rule_to_json` as `store.rules.put` does): 32,000 `store.rules.put` calls are one
transaction each.

Measured, each as the median of several runs on SQLite (a fresh file) and PostgreSQL (a throwaway
schema, dropped afterwards):

* `visible`: `Aggregation.visible(aggregator)`, the sources every aggregate read starts from.
* `summary.rules_counts`: GetAggregateConfigRuleComplianceSummary the long way, over the visible
  sources: `store.aggregates.rules` + `store.aggregates.rule_counts`, then each rule's roll-up
  (`roost.compliance.roll_up`) counted per account.
* `summary.rule_summary`: the same figures from `store.aggregates.rule_summary(group_by=ACCOUNT_ID)`,
  the one query the operation runs.
* `resources.first_page`: ListAggregateDiscoveredResources' first page: `store.aggregates.resources`
  of one type, limit 101 (a page of 100 and whether there is more).
* `resources.counts`: `store.aggregates.resource_counts(group_by=RESOURCE_TYPE)`.
* `api.*`: when `roost.api.operations.aggregates` exists, the operations themselves through a live
  roost API (bench_api's server process, boto3 client): visible sources included, HTTP and SigV4 too.
"""

from __future__ import annotations

import importlib.util
import random
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bench.bench_store import POSTGRES_URL, postgres_schema, postgres_store_url, postgres_version
from bench.harness import Run, Stopwatch, benchmark, log, median
from roost.aggregator.model import AccountSource, AggregationAuthorization, ConfigurationAggregator
from roost.aggregator.sources import Aggregation
from roost.clock import SystemClock, to_millis
from roost.compliance import ComplianceType, ConfigRule, EvaluationResult, Owner, RuleSource, roll_up
from roost.model import AccountRegion, ConfigurationItem, ConfigurationRecorder, ItemStatus
from roost.store import NewItem, Store, schema
from roost.store.codec import dumps
from roost.store.rules import rule_to_json

AGGREGATOR_ACCOUNT = "123456789012"
AGGREGATOR_REGION = "us-east-1"
AGGREGATOR_NAME = "everything"
REGIONS = (
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-south-1",
    "sa-east-1",
)
TYPES = (
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::Instance",
    "AWS::EC2::Volume",
    "AWS::EC2::VPC",
    "AWS::EC2::Subnet",
    "AWS::S3::Bucket",
    "AWS::IAM::Role",
    "AWS::IAM::User",
    "AWS::RDS::DBInstance",
    "AWS::Lambda::Function",
)
LISTED_TYPE = TYPES[0]
ITEM_BATCH = 1_000


class Shape:
    """How much synthetic data: accounts x regions sources, rules per source, resources in all."""

    def __init__(self, accounts: int, regions: int, rules: int, resources: int, runs: int) -> None:
        self.accounts = [AGGREGATOR_ACCOUNT] + [f"{200_000_000_000 + i:012d}" for i in range(1, accounts)]
        self.regions = REGIONS[:regions]
        self.rules = rules
        self.resources = resources
        self.runs = runs
        self.sources = [AccountRegion(a, r) for a in self.accounts for r in self.regions]

    def describe(self) -> str:
        return (
            f"{len(self.accounts)} accounts x {len(self.regions)} regions x {self.rules} rules, "
            f"{self.resources:,} resources"
        )


# --- loading -------------------------------------------------------------------------------------


def _resource(shape: Shape, index: int) -> tuple[AccountRegion, str, str]:
    """The index-th resource: its source, type and id (sources take turns, then types)."""
    source = shape.sources[index % len(shape.sources)]
    resource_type = TYPES[(index // len(shape.sources)) % len(TYPES)]
    return source, resource_type, f"r-{index:08d}"


def _item(source: AccountRegion, resource_type: str, resource_id: str, when: datetime) -> NewItem:
    item = ConfigurationItem(
        account_id=source.account_id,
        region=source.region,
        resource_type=resource_type,
        resource_id=resource_id,
        capture_time=when,
        status=ItemStatus.RESOURCE_DISCOVERED,
        configuration_state_id=to_millis(when),
        aws_region=source.region,
        resource_name=f"name-{resource_id}",
        arn=f"arn:aws:bench:{source.region}:{source.account_id}:{resource_id}",
        tags={"team": f"team-{int(resource_id[2:]) % 12}"},
        configuration={"id": resource_id, "size": int(resource_id[2:]) % 100},
    )
    return NewItem(item, item.state().content_hash())


def _rule(source: AccountRegion, number: int, serial: int) -> ConfigRule:
    return ConfigRule(
        account_id=source.account_id,
        region=source.region,
        name=f"rule-{number:02d}",
        rule_id=f"config-rule-{serial:08x}",
        source=RuleSource(owner=Owner.AWS, source_identifier="REQUIRED_TAGS"),
        input_parameters='{"tag1Key": "team"}',
    )


def load(store: Store, shape: Shape) -> dict[str, float]:
    """Write the synthetic data; returns the seconds of each part."""
    seconds: dict[str, float] = {}
    clock = SystemClock()
    now = clock.now()
    recorded = now - timedelta(hours=1)
    by_source: dict[AccountRegion, dict[str, list[str]]] = {s: {} for s in shape.sources}

    with Stopwatch() as watch:
        batch: list[NewItem] = []
        for index in range(shape.resources):
            source, resource_type, resource_id = _resource(shape, index)
            by_source[source].setdefault(resource_type, []).append(resource_id)
            batch.append(_item(source, resource_type, resource_id, recorded + timedelta(microseconds=index)))
            if len(batch) == ITEM_BATCH:
                store.items.append(batch)
                batch = []
        store.items.append(batch)
    seconds["resources"] = watch.seconds

    with Stopwatch() as watch:
        rows = []
        for serial, (source, number) in enumerate((s, n) for s in shape.sources for n in range(shape.rules)):
            rule = _rule(source, number, serial)
            rows.append(
                {
                    "account_id": rule.account_id,
                    "region": rule.region,
                    "name": rule.name,
                    "rule_id": rule.rule_id,
                    "document": dumps(rule_to_json(rule)),
                    "state": rule.state.value,
                    "created_time": to_millis(now),
                }
            )
        with store.engine.begin() as conn:
            conn.execute(schema.config_rules.insert(), rows)
    seconds["rules"] = watch.seconds

    with Stopwatch() as watch:
        chance = random.Random(7)
        for source in shape.sources:
            results = []
            for number in range(shape.rules):
                resource_type = TYPES[number % len(TYPES)]
                for resource_id in by_source[source].get(resource_type, []):
                    results.append(
                        EvaluationResult(
                            rule_name=f"rule-{number:02d}",
                            resource_type=resource_type,
                            resource_id=resource_id,
                            compliance_type=ComplianceType.NON_COMPLIANT
                            if chance.random() < 0.05
                            else ComplianceType.COMPLIANT,
                            ordering_timestamp=recorded,
                            result_recorded_time=now,
                            config_rule_invoked_time=now,
                        )
                    )
            store.evaluations.put(source, results)
    seconds["results"] = watch.seconds

    with Stopwatch() as watch:
        for source in shape.sources:
            store.recorders.put(
                ConfigurationRecorder(
                    source.account_id,
                    source.region,
                    role_arn=f"arn:aws:iam::{source.account_id}:role/config",
                )
            )
        for source in shape.sources:
            if source.account_id != AGGREGATOR_ACCOUNT:
                store.aggregators.authorize(
                    AggregationAuthorization(
                        source.account_id, source.region, AGGREGATOR_ACCOUNT, AGGREGATOR_REGION, now
                    )
                )
        store.aggregators.put(aggregator(shape, now))
    seconds["recorders_authorizations"] = watch.seconds
    return seconds


def aggregator(shape: Shape, now: datetime) -> ConfigurationAggregator:
    return ConfigurationAggregator(
        account_id=AGGREGATOR_ACCOUNT,
        region=AGGREGATOR_REGION,
        name=AGGREGATOR_NAME,
        arn=f"arn:aws:config:{AGGREGATOR_REGION}:{AGGREGATOR_ACCOUNT}:config-aggregator/config-aggregator-bench0001",
        creation_time=now,
        last_updated_time=now,
        account_sources=(AccountSource(tuple(shape.accounts), all_aws_regions=True),),
    )


def count_rows(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {
            table.name: int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
            for table in (
                schema.resources,
                schema.configuration_items,
                schema.config_rules,
                schema.evaluation_results,
            )
        }


# --- measuring -----------------------------------------------------------------------------------


def timed(call: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    """Seconds of `runs` calls (after one untimed warm-up call), and the last answer."""
    answer = call()
    times = []
    for _ in range(runs):
        with Stopwatch() as watch:
            answer = call()
        times.append(watch.seconds)
    return times, answer


def report_ms(run: Run, name: str, times: Sequence[float], notes: str) -> None:
    spread = f"median of {len(times)}, {min(times) * 1000:.1f}-{max(times) * 1000:.1f} ms"
    run.report(name, median(times) * 1000, "ms", f"{notes}; {spread}" if notes else spread)


def summary_the_long_way(store: Store, sources: Sequence[AccountRegion]) -> dict[str, Counter[str]]:
    """Per account: how many rules roll up COMPLIANT and NON_COMPLIANT (from rules + rule_counts)."""
    rules = store.aggregates.rules(sources)
    counts = store.aggregates.rule_counts(sources)
    per_account: dict[str, Counter[str]] = {}
    for where, name in rules:
        found = counts.get((where, name), {})
        verdict = roll_up([t for t, n in found.items() if n])
        per_account.setdefault(where.account_id, Counter())[verdict.value] += 1
    return per_account


def measure(run: Run, backend: str, store: Store, shape: Shape) -> None:
    log(f"  {backend}: loading {shape.describe()}")
    seconds = load(store, shape)
    rows = count_rows(store)
    run.report(
        f"{backend}.load",
        sum(seconds.values()),
        "s",
        ", ".join(f"{part} {s:.1f}s" for part, s in seconds.items())
        + "; rows: "
        + ", ".join(f"{table} {n:,}" for table, n in rows.items()),
    )
    the_aggregator = store.aggregators.get(
        AccountRegion(AGGREGATOR_ACCOUNT, AGGREGATOR_REGION), AGGREGATOR_NAME
    )
    assert the_aggregator is not None
    aggregation = Aggregation(store, SystemClock())

    times, visible = timed(lambda: aggregation.visible(the_aggregator), shape.runs)
    if len(visible) != len(shape.sources):
        raise RuntimeError(f"{len(visible)} visible sources, expected {len(shape.sources)}")
    report_ms(run, f"{backend}.visible", times, f"{len(visible):,} sources, all visible")

    times, per_account = timed(lambda: summary_the_long_way(store, visible), shape.runs)
    rules = sum(sum(c.values()) for c in per_account.values())
    non_compliant = sum(c["NON_COMPLIANT"] for c in per_account.values())
    if rules != len(shape.sources) * shape.rules:
        raise RuntimeError(f"{rules} rules in the summary, expected {len(shape.sources) * shape.rules}")
    report_ms(
        run,
        f"{backend}.summary.rules_counts",
        times,
        f"rules + rule_counts + roll-ups per account: {len(per_account)} accounts, {rules:,} rules, "
        f"{non_compliant:,} NON_COMPLIANT; visible sources not included",
    )

    rule_summary = getattr(store.aggregates, "rule_summary", None)
    if rule_summary is not None:
        times, summaries = timed(lambda: rule_summary(visible, group_by="ACCOUNT_ID"), shape.runs)
        counted = sum(s.compliant + s.non_compliant for s in summaries.values())
        report_ms(
            run,
            f"{backend}.summary.rule_summary",
            times,
            f"store.aggregates.rule_summary(group_by=ACCOUNT_ID): {len(summaries)} groups, {counted:,} "
            "rules counted; visible sources not included",
        )

    times, page = timed(lambda: store.aggregates.resources(visible, LISTED_TYPE, limit=101), shape.runs)
    report_ms(
        run,
        f"{backend}.resources.first_page",
        times,
        f"{LISTED_TYPE}, limit 101: {len(page)} rows; visible sources not included",
    )

    times, counts = timed(
        lambda: store.aggregates.resource_counts(visible, group_by="RESOURCE_TYPE"), shape.runs
    )
    if sum(counts.values()) != shape.resources:
        raise RuntimeError(f"{sum(counts.values())} resources counted, expected {shape.resources}")
    report_ms(
        run,
        f"{backend}.resources.counts",
        times,
        f"group by RESOURCE_TYPE: {len(counts)} types, {sum(counts.values()):,} resources; "
        "visible sources not included",
    )


def measure_api(run: Run, backend: str, db_url: str, shape: Shape) -> None:
    """The operations through a live roost API (a server process over the loaded store)."""
    if importlib.util.find_spec("roost.api.operations.aggregates") is None:
        run.report(f"{backend}.api", None, "ms", "skipped: roost.api.operations.aggregates does not exist")
        return
    from bench.bench_api import ServerProcess, client

    with ServerProcess("roost", db_url=db_url) as server:
        config = client("config", server.url)
        calls: dict[str, Callable[[], Any]] = {
            "GetAggregateConfigRuleComplianceSummary": lambda: (
                config.get_aggregate_config_rule_compliance_summary(
                    ConfigurationAggregatorName=AGGREGATOR_NAME, GroupByKey="ACCOUNT_ID"
                )
            ),
            "ListAggregateDiscoveredResources": lambda: config.list_aggregate_discovered_resources(
                ConfigurationAggregatorName=AGGREGATOR_NAME, ResourceType=LISTED_TYPE, Limit=100
            ),
            "GetAggregateDiscoveredResourceCounts": lambda: config.get_aggregate_discovered_resource_counts(
                ConfigurationAggregatorName=AGGREGATOR_NAME, GroupByKey="RESOURCE_TYPE"
            ),
        }
        for name, call in calls.items():
            times, answer = timed(call, shape.runs)
            if name == "GetAggregateConfigRuleComplianceSummary":
                groups = answer["AggregateComplianceCounts"]
                what = f"GroupByKey ACCOUNT_ID: {len(groups)} groups"
            elif name == "ListAggregateDiscoveredResources":
                what = f"{LISTED_TYPE}, Limit 100: {len(answer['ResourceIdentifiers'])} resources"
            else:
                what = f"GroupByKey RESOURCE_TYPE: {answer['TotalDiscoveredResources']:,} resources"
            report_ms(run, f"{backend}.api.{name}", times, f"{what}; boto3 call, visible sources included")


@contextmanager
def sqlite_store(run: Run) -> Iterator[tuple[Store, str]]:
    url = f"sqlite:///{run.db_dir / 'aggregates.db'}"
    store = Store.open(url)
    try:
        yield store, url
    finally:
        store.close()


@contextmanager
def postgres_store() -> Iterator[tuple[Store, str]]:
    with postgres_schema() as schema_name:
        url = postgres_store_url(schema_name)
        store = Store.open(url)
        try:
            yield store, url
        finally:
            store.close()


@benchmark("aggregates", "aggregate reads over 100 accounts x 16 regions x 20 rules, 100,000 resources")
def aggregates(run: Run) -> None:
    shape = (
        Shape(accounts=10, regions=4, rules=5, resources=5_000, runs=3)
        if run.quick
        else Shape(accounts=100, regions=16, rules=20, resources=100_000, runs=5)
    )
    with sqlite_store(run) as (store, url):
        measure(run, "sqlite", store, shape)
        measure_api(run, "sqlite", url, shape)
    version = postgres_version()
    if version is None:
        run.report("postgresql", None, "ms", f"skipped: {POSTGRES_URL} is not reachable")
        return
    run.facts["postgresql_version"] = version
    with postgres_store() as (store, url):
        measure(run, "postgresql", store, shape)
        measure_api(run, "postgresql", url, shape)
