"""The rule engine: managed-rule evaluations per second, and the latency from a change to its evaluation.

N synthetic security-group items (10,000; `--quick`: 1,000), half of them with TCP 22 open to
0.0.0.0/0, are appended straight into a fresh store (no sandbox), with one restricted-ssh rule
(INCOMING_SSH_DISABLED) put in it. Then:

* `evaluate_rule` (what PutConfigRule and StartConfigRulesEvaluation run): read the current items,
  judge each, store the results and write a compliance-history item per resource whose compliance
  moved. Timed on the first evaluation (every result new) and again with nothing changed.
* `handle_items` (what the recorder's listener runs): the same items arriving in batches of 500, each
  batch appended (not timed) and handed to the engine (timed); then every resource changed once (its
  SSH rule added or removed, so every verdict flips), in batches of 500 again.
* latency: a `RuleRunner` started over the evaluated store; one resource at a time changes (its SSH
  rule flips), appended with `store.items.append` and handed to `runner.submit` right after the
  commit, as the recorder's writer notifies its listeners. Measured from just before the append to
  the moment the evaluation row with the item's ordering timestamp is visible (the store is polled
  every millisecond).

Each figure runs on SQLite (a fresh file) and, when it is reachable, on PostgreSQL (a throwaway schema).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bench.bench_store import (
    POSTGRES_URL,
    SOURCE,
    postgres_schema,
    postgres_store_url,
    postgres_version,
    synthetic_item,
)
from bench.harness import Run, Stopwatch, benchmark, log, median
from roost.clock import SystemClock, to_millis
from roost.cloud import CloudConnector
from roost.compliance import ComplianceType, ConfigRule, Owner, RuleScope, RuleSource
from roost.model import ChangeType, ConfigurationItem, ItemDiff, ItemStatus, PropertyChange
from roost.recorder.collectors.ec2_security_group import permission
from roost.rules.engine import RuleEngine
from roost.rules.history import COMPLIANCE_TYPE
from roost.rules.managed_rule import RuleContext
from roost.rules.runner import RuleRunner
from roost.store import NewItem, Store, schema

BATCH = 500
IDENTIFIER = "INCOMING_SSH_DISABLED"
RULE = ConfigRule(
    account_id=SOURCE.account_id,
    region=SOURCE.region,
    name="restricted-ssh",
    rule_id="config-rule-000022",
    source=RuleSource(owner=Owner.AWS, source_identifier=IDENTIFIER),
    scope=RuleScope(),
    input_parameters=json.dumps({}),
)
OPEN_SSH = permission(
    {
        "IpProtocol": "tcp",
        "FromPort": 22,
        "ToPort": 22,
        "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "ssh from anywhere"}],
        "Ipv6Ranges": [],
        "PrefixListIds": [],
        "UserIdGroupPairs": [],
    }
)
POLL_SECONDS = 0.001
LATENCY_TIMEOUT = 10.0


# --- synthetic items ---------------------------------------------------------------------------


def opens_ssh(index: int) -> bool:
    return index % 2 == 0


def group_item(index: int, when: datetime, *, open_ssh: bool) -> NewItem:
    """bench_store's synthetic group (ResourceDiscovered), with an SSH-from-anywhere rule if `open_ssh`."""
    base = synthetic_item(index, when).item
    configuration = dict(base.configuration or {})
    if open_ssh:
        configuration["ipPermissions"] = [*configuration["ipPermissions"], OPEN_SSH]
    item = replace(base, configuration=configuration)
    return NewItem(item, item.state().content_hash())


def changed_item(previous: ConfigurationItem, when: datetime) -> NewItem:
    """The next item of a group whose SSH rule was added or removed (its verdict flips)."""
    before = (previous.configuration or {})["ipPermissions"]
    after = [p for p in before if p != OPEN_SSH] if OPEN_SSH in before else [*before, OPEN_SSH]
    configuration = {**(previous.configuration or {}), "ipPermissions": after}
    item = replace(
        previous,
        capture_time=when,
        status=ItemStatus.OK,
        configuration_state_id=max(to_millis(when), previous.configuration_state_id + 1),
        configuration=configuration,
        diff=ItemDiff(
            ChangeType.UPDATE,
            {
                "Configuration.IpPermissions": PropertyChange(
                    previous_value=before, updated_value=after, change_type=ChangeType.UPDATE
                )
            },
        ),
    )
    return NewItem(item, item.state().content_hash())


def initial_items(count: int) -> list[NewItem]:
    """`count` groups recorded an hour ago, a millisecond apart (before anything the clock says now)."""
    start = datetime.now(UTC) - timedelta(hours=1)
    return [group_item(i, start + timedelta(milliseconds=i), open_ssh=opens_ssh(i)) for i in range(count)]


# --- stores ------------------------------------------------------------------------------------


@contextmanager
def fresh_store(run: Run, backend: str, label: str) -> Iterator[Store]:
    """An empty store on `backend` (a fresh SQLite file, or a throwaway PostgreSQL schema)."""
    if backend == "sqlite":
        store = Store.open(f"sqlite:///{run.db_dir / f'rules-{label}.db'}")
        try:
            yield store
        finally:
            store.close()
        return
    with postgres_schema() as schema_name:
        store = Store.open(postgres_store_url(schema_name))
        try:
            yield store
        finally:
            store.close()


def new_engine(store: Store) -> RuleEngine:
    return RuleEngine(store, CloudConnector([]), SystemClock())


def append_batches(store: Store, items: Sequence[NewItem]) -> None:
    for start in range(0, len(items), BATCH):
        store.items.append(items[start : start + BATCH])


def results_by_type(store: Store) -> dict[ComplianceType, int]:
    counts = store.evaluations.counts_by_rule(SOURCE, rule_names=[RULE.name])
    return counts.get(RULE.name, {})


def history_items(store: Store) -> int:
    """Compliance-history items stored (AWS::Config::ResourceCompliance), every version counted."""
    items = schema.configuration_items
    query = sa.select(sa.func.count()).where(items.c.resource_type == COMPLIANCE_TYPE)
    with store.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def check_results(store: Store, count: int, *, flipped: bool) -> str:
    """The stored verdicts, checked against what the groups say (half open, or half open after a flip)."""
    found = results_by_type(store)
    non_compliant = count - (count + 1) // 2 if flipped else (count + 1) // 2
    expected = {ComplianceType.NON_COMPLIANT: non_compliant, ComplianceType.COMPLIANT: count - non_compliant}
    if found != expected:
        raise RuntimeError(f"the rule stored {found}, expected {expected}")
    return f"{non_compliant:,} NON_COMPLIANT + {count - non_compliant:,} COMPLIANT"


# --- evaluations per second --------------------------------------------------------------------


def measure_evaluate_rule(run: Run, backend: str, items: Sequence[NewItem]) -> None:
    count = len(items)
    with fresh_store(run, backend, "evaluate") as store:
        append_batches(store, items)
        engine = new_engine(store)
        store.rules.put(RULE, now=engine.clock.now())

        # Where a first evaluation's time goes, measured on separate calls (not timed with it).
        with Stopwatch() as read:
            current = engine._current_items(RULE)
        managed = engine.managed_class(RULE)
        if managed is None:
            raise RuntimeError(f"roost does not implement {IDENTIFIER}")
        instance = managed()
        context = RuleContext(
            source=SOURCE,
            params=managed.parse_parameters(RULE.input_parameters),
            now=engine.clock.now(),
            store=store,
            client_factory=lambda service: None,
        )
        with Stopwatch() as judge:
            for item in current:
                instance.evaluate(item, context)

        with Stopwatch() as first:
            engine.evaluate_rule(RULE)
        verdicts = check_results(store, count, flipped=False)
        written = history_items(store)
        if written != count:
            raise RuntimeError(f"the first evaluation wrote {written} compliance items, expected {count}")
        rest = first.seconds - read.seconds - judge.seconds
        run.report(
            f"{backend}.evaluate_rule.first",
            count / first.seconds,
            "evaluations/s",
            f"{count:,} groups in {first.seconds:.2f}s: {verdicts}, {written:,} compliance-history items; "
            f"read {read.seconds:.2f}s + judge {judge.seconds:.3f}s + store results and history {rest:.2f}s",
        )

        with Stopwatch() as again:
            engine.evaluate_rule(RULE)
        check_results(store, count, flipped=False)
        run.report(
            f"{backend}.evaluate_rule.unchanged",
            count / again.seconds,
            "evaluations/s",
            f"re-evaluation, nothing changed, in {again.seconds:.2f}s; "
            f"compliance items written: {history_items(store) - written} (target 0)",
        )


def measure_handle_items(run: Run, backend: str, items: Sequence[NewItem]) -> None:
    count = len(items)
    with fresh_store(run, backend, "handle") as store:
        engine = new_engine(store)
        store.rules.put(RULE, now=engine.clock.now())
        engine.evaluate_rule(RULE)  # PutConfigRule's evaluation over the empty store

        seconds: list[float] = []
        for start in range(0, count, BATCH):
            batch = items[start : start + BATCH]
            store.items.append(batch)
            with Stopwatch() as watch:
                engine.handle_items([n.item for n in batch])
            seconds.append(watch.seconds)
        verdicts = check_results(store, count, flipped=False)
        written = history_items(store)
        total = sum(seconds)
        run.report(
            f"{backend}.handle_items.new",
            count / total,
            "evaluations/s",
            f"{count:,} new groups in {len(seconds)} batches of {BATCH}, {total:.2f}s: {verdicts}, "
            f"{written:,} compliance items; per batch first {seconds[0] * 1000:.0f} ms, "
            f"last {seconds[-1] * 1000:.0f} ms",
        )

        now = datetime.now(UTC)
        flipped = [changed_item(n.item, now + timedelta(milliseconds=i)) for i, n in enumerate(items)]
        seconds = []
        for start in range(0, count, BATCH):
            batch = flipped[start : start + BATCH]
            store.items.append(batch)
            with Stopwatch() as watch:
                engine.handle_items([n.item for n in batch])
            seconds.append(watch.seconds)
        verdicts = check_results(store, count, flipped=True)
        total = sum(seconds)
        run.report(
            f"{backend}.handle_items.changed",
            count / total,
            "evaluations/s",
            f"every group changed once (its SSH rule flipped), batches of {BATCH}, {total:.2f}s: "
            f"{verdicts}, {history_items(store) - written:,} more compliance items; "
            f"per batch median {median(seconds) * 1000:.0f} ms",
        )


# --- latency from a recorded change to its stored evaluation ------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure_latency(run: Run, backend: str, items: Sequence[NewItem], changes: int) -> None:
    count = len(items)
    results = schema.evaluation_results
    with fresh_store(run, backend, "latency") as store:
        append_batches(store, items)
        engine = new_engine(store)
        store.rules.put(RULE, now=engine.clock.now())
        engine.evaluate_rule(RULE)
        check_results(store, count, flipped=False)
        runner = RuleRunner(engine)
        runner.start()
        latencies: list[float] = []
        missed = 0
        try:
            step = max(1, count // changes)
            for k in range(changes):
                index = (k * step) % count
                previous = items[index].item
                new = changed_item(previous, datetime.now(UTC))
                ordering = to_millis(new.item.capture_time)
                query = sa.select(results.c.compliance_type).where(
                    results.c.account_id == SOURCE.account_id,
                    results.c.region == SOURCE.region,
                    results.c.rule_name == RULE.name,
                    results.c.resource_id == previous.resource_id,
                    results.c.ordering_timestamp == ordering,
                )
                start = time.perf_counter()
                store.items.append([new])
                runner.submit([new.item])
                seen = None
                with store.engine.connect() as conn:
                    while time.perf_counter() - start < LATENCY_TIMEOUT:
                        seen = conn.execute(query).scalar()
                        conn.commit()  # end the read transaction: the next poll sees new commits
                        if seen is not None:
                            break
                        time.sleep(POLL_SECONDS)
                elapsed = time.perf_counter() - start
                if seen is None:
                    missed += 1
                else:
                    latencies.append(elapsed)
                    expected = ComplianceType.COMPLIANT if opens_ssh(index) else ComplianceType.NON_COMPLIANT
                    if seen != expected.value:
                        raise RuntimeError(f"{previous.resource_id}: stored {seen}, expected {expected}")
                while not runner.idle():  # the worker finishes (history, status) before the next change
                    time.sleep(POLL_SECONDS)
        finally:
            runner.stop()
        if not latencies:
            run.report(
                f"{backend}.latency.median", None, "ms", f"no evaluation within {LATENCY_TIMEOUT:.0f}s"
            )
            return
        ms = [s * 1000 for s in latencies]
        what = (
            f"{len(ms)} changes one at a time over {count:,} evaluated groups, append+submit to the "
            f"visible row, polled every {POLL_SECONDS * 1000:.0f} ms"
            + (f"; {missed} not seen within {LATENCY_TIMEOUT:.0f}s" if missed else "")
        )
        run.report(f"{backend}.latency.median", median(ms), "ms", f"{what}; target < 1,000 ms")
        run.report(
            f"{backend}.latency.p95", percentile(ms, 0.95), "ms", f"min {min(ms):.1f}, max {max(ms):.1f}"
        )


# --- the benchmark -----------------------------------------------------------------------------


@benchmark("rules", "managed-rule evaluations/s over 10,000 groups, and change-to-evaluation latency")
def rules(run: Run) -> None:
    count = run.size(full=10_000, quick=1_000)
    changes = run.size(full=200, quick=50)
    log(f"  building {count:,} synthetic security-group items (half with SSH open to the world)")
    items = initial_items(count)
    backends = ["sqlite"]
    version = postgres_version()
    if version is None:
        run.report("postgresql", None, "", f"skipped: {POSTGRES_URL} is not reachable")
    else:
        run.facts["postgresql_version"] = version
        backends.append("postgresql")
    for backend in backends:
        log(f"  {backend}: evaluate_rule")
        measure_evaluate_rule(run, backend, items)
        log(f"  {backend}: handle_items")
        measure_handle_items(run, backend, items)
        log(f"  {backend}: latency")
        measure_latency(run, backend, items, changes)
