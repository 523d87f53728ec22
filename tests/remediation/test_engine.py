"""The RemediationEngine over a real SQLite store and the sandbox: automatic remediation and what
blocks it, retries and giving up, ExecutionControls, the per-run cap, dry runs, the audit record,
resume after a restart, and the targeted re-recording after a success."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from roost.clock import Clock, FrozenClock, SystemClock
from roost.cloud import CloudConnector
from roost.compliance import ComplianceType, EvaluationResult
from roost.model import AccountRegion, ResourceKey
from roost.recorder.recorder import Recorder
from roost.registry import Registry
from roost.remediation.document import (
    Automation,
    AutomationDocument,
    DocumentParameter,
    assume_role_parameter,
    load_documents,
)
from roost.remediation.engine import ABANDONED_AFTER, RemediationEngine
from roost.remediation.model import (
    Execution,
    ExecutionState,
    ParameterValue,
    RemediationConfiguration,
    RemediationException,
    StepState,
)
from roost.settings import Settings
from roost.store import Store
from tests.conftest import SOURCE

SG = "AWS::EC2::SecurityGroup"
RULE = "restricted-ssh"
DOC = "AWS-DisablePublicAccessForSecurityGroup"
ROLE = f"arn:aws:iam::{SOURCE.account_id}:role/remediation"
SSH_FROM_ANYWHERE = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


# --- helpers ----------------------------------------------------------------------------------------


def put_config(
    store: Store, *, automatic: bool = True, target: str = DOC, **changes: Any
) -> RemediationConfiguration:
    parameters = {"GroupId": ParameterValue(resource_value="RESOURCE_ID")}
    if automatic:
        parameters["AutomationAssumeRole"] = ParameterValue(static_values=(ROLE,))
    config = RemediationConfiguration(
        account_id=SOURCE.account_id,
        region=SOURCE.region,
        config_rule_name=RULE,
        target_id=target,
        arn=f"arn:aws:config:{SOURCE.region}:{SOURCE.account_id}:remediation-configuration/{RULE}/{uuid.uuid4()}",
        parameters=parameters,
        resource_type=SG,
        automatic=automatic,
    )
    config = replace(config, **changes)
    store.remediation.put_configuration(config)
    return config


def open_group(ec2: Any, name: str, vpc: str | None = None) -> str:
    """A security group with SSH open to the world (in the default VPC unless `vpc` is given)."""
    extra = {"VpcId": vpc} if vpc else {}
    group: str = ec2.create_security_group(GroupName=name, Description="open", **extra)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[SSH_FROM_ANYWHERE])
    return group


def ssh_open(ec2: Any, group: str) -> bool:
    (found,) = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"]
    return any(
        p.get("FromPort") == 22 and any(r.get("CidrIp") == "0.0.0.0/0" for r in p.get("IpRanges") or [])
        for p in found["IpPermissions"]
    )


def flag(
    store: Store, clock: Clock, *groups: str, compliance: ComplianceType = ComplianceType.NON_COMPLIANT
) -> list[EvaluationResult]:
    """Store the rule's results for the groups; returns those that changed (what the listener gets)."""
    now = clock.now()
    return store.evaluations.put(
        SOURCE, [EvaluationResult(RULE, SG, g, compliance, now, now, now) for g in groups]
    )


def settle(engine: RemediationEngine, *, timeout: float = 20) -> None:
    """Wait until no execution is queued or running."""
    deadline = time.monotonic() + timeout
    while engine.store.remediation.unfinished_executions() or not engine.idle():
        assert time.monotonic() < deadline, "the remediation did not finish in time"
        time.sleep(0.02)


def executions(store: Store, group: str | None = None) -> list[Execution]:
    return store.remediation.executions(SOURCE, RULE, resource=(SG, group) if group else None)


def eventually(check: Callable[[], Any], *, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def ec2(aws: Callable[..., Any]) -> Any:
    return aws("ec2")


@pytest.fixture
def other_vpc(ec2: Any) -> str:
    """A non-default VPC: there the document asks EC2 to revoke all four rules, and fails without them."""
    return str(ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"])


@pytest.fixture
def make_engine(store: Store, settings: Settings) -> Iterator[Callable[..., RemediationEngine]]:
    made: list[RemediationEngine] = []

    def make(clock: Clock | None = None, **options: Any) -> RemediationEngine:
        engine = RemediationEngine(
            store, CloudConnector(settings.accounts), clock or SystemClock(), **options
        )
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.close()


# --- automatic --------------------------------------------------------------------------------------


def test_a_non_compliant_result_under_an_automatic_configuration_is_remediated(
    store: Store, ec2: Any, make_engine: Callable[..., RemediationEngine]
) -> None:
    engine = make_engine()
    put_config(store, automatic=True)
    group = open_group(ec2, "open")

    engine.on_results(SOURCE, flag(store, engine.clock, group))
    settle(engine)

    (done,) = executions(store, group)
    assert (done.state, done.automatic, done.attempt) == (ExecutionState.SUCCEEDED, True, 1)
    assert done.parameters == {"GroupId": [group], "AutomationAssumeRole": [ROLE]}
    assert not ssh_open(ec2, group)


def test_compliant_results_and_manual_configurations_start_nothing(
    store: Store, ec2: Any, make_engine: Callable[..., RemediationEngine]
) -> None:
    engine = make_engine()
    put_config(store, automatic=False)
    flagged, fine = open_group(ec2, "flagged"), open_group(ec2, "fine")

    engine.on_results(SOURCE, flag(store, engine.clock, fine, compliance=ComplianceType.COMPLIANT))
    engine.on_results(SOURCE, flag(store, engine.clock, flagged))
    assert engine.sweep() == 0
    settle(engine)

    assert executions(store) == []
    assert ssh_open(ec2, flagged)
    # Once the configuration turns automatic, the sweep picks up what is NON_COMPLIANT, and only that.
    put_config(store, automatic=True)
    assert engine.sweep() == 1
    settle(engine)
    assert [e.resource_id for e in executions(store)] == [flagged]
    assert not ssh_open(ec2, flagged) and ssh_open(ec2, fine)


def test_remediation_exceptions_block_automatic_remediation_unless_expired(
    store: Store, ec2: Any, make_engine: Callable[..., RemediationEngine]
) -> None:
    engine = make_engine()
    put_config(store, automatic=True)
    blocked, expired = open_group(ec2, "blocked"), open_group(ec2, "expired")
    now = engine.clock.now()
    store.remediation.put_exceptions(
        [
            RemediationException(SOURCE.account_id, SOURCE.region, RULE, SG, blocked, "leave it"),
            RemediationException(
                SOURCE.account_id, SOURCE.region, RULE, SG, expired, "was", now - timedelta(minutes=1)
            ),
        ]
    )

    engine.on_results(SOURCE, flag(store, engine.clock, blocked, expired))
    settle(engine)
    assert engine.sweep() == 0  # nor does the sweep touch the excepted one
    settle(engine)

    assert [e.resource_id for e in executions(store)] == [expired]
    assert ssh_open(ec2, blocked) and not ssh_open(ec2, expired)


def test_a_failing_remediation_is_retried_spread_over_the_window_then_stopped_with_an_exception(
    store: Store, ec2: Any, other_vpc: str, make_engine: Callable[..., RemediationEngine]
) -> None:
    clock = FrozenClock(T0)
    engine = make_engine(clock)
    put_config(store, automatic=True, retry_attempt_seconds=2, maximum_automatic_attempts=2)
    # Only one of the four rules the document revokes in a non-default VPC: InvalidPermission.NotFound.
    group = open_group(ec2, "stubborn", vpc=other_vpc)

    engine.on_results(SOURCE, flag(store, clock, group))
    settle(engine)
    (first,) = executions(store, group)
    assert first.state is ExecutionState.FAILED and "InvalidPermission.NotFound" in (
        first.error_message or ""
    )

    # No sooner than RetryAttemptSeconds / MaximumAutomaticAttempts (1 s) after the previous attempt.
    assert engine.sweep() == 0
    clock.advance(timedelta(milliseconds=900))
    assert engine.sweep() == 0
    clock.advance(timedelta(milliseconds=100))
    assert engine.sweep() == 1
    settle(engine)
    second = executions(store, group)[0]
    assert (second.state, second.attempt, second.automatic) == (ExecutionState.FAILED, 2, True)
    assert store.remediation.exceptions(SOURCE, RULE) == []

    # Two attempts within two seconds: roost stops, with a remediation exception on the resource.
    clock.advance(timedelta(milliseconds=500))
    assert engine.sweep() == 0
    (stopped,) = store.remediation.exceptions(SOURCE, RULE)
    assert (stopped.resource_type, stopped.resource_id, stopped.expiration_time) == (SG, group, None)
    assert "Automatic remediation stopped" in (stopped.message or "")
    clock.advance(timedelta(seconds=30))
    assert engine.sweep() == 0
    engine.on_results(SOURCE, [replace(r, ordering_timestamp=clock.now()) for r in flag(store, clock, group)])
    settle(engine)
    assert len(executions(store, group)) == 2


def test_the_retry_window_lets_attempts_start_again_once_old_ones_leave_it(
    store: Store, ec2: Any, other_vpc: str, make_engine: Callable[..., RemediationEngine]
) -> None:
    clock = FrozenClock(T0)
    engine = make_engine(clock)
    put_config(store, automatic=True, retry_attempt_seconds=2, maximum_automatic_attempts=2)
    group = open_group(ec2, "stubborn", vpc=other_vpc)
    engine.on_results(SOURCE, flag(store, clock, group))
    settle(engine)
    clock.advance(timedelta(seconds=1))
    assert engine.sweep() == 1
    settle(engine)
    # 2.5 s after the first attempt it has left the two-second window: one attempt in it, a retry due.
    clock.advance(timedelta(milliseconds=1500))
    assert engine.sweep() == 1
    settle(engine)
    assert [e.attempt for e in executions(store, group)] == [2, 2, 1]
    assert store.remediation.exceptions(SOURCE, RULE) == []


def test_one_automatic_run_starts_at_most_max_automatic_per_run(
    store: Store, ec2: Any, make_engine: Callable[..., RemediationEngine]
) -> None:
    engine = make_engine(max_automatic_per_run=2)
    put_config(store, automatic=True)
    groups = [open_group(ec2, f"open{n}") for n in range(4)]

    engine.on_results(SOURCE, flag(store, engine.clock, *groups))
    settle(engine)
    first = {e.resource_id for e in executions(store)}
    assert len(first) == 2
    assert sum(ssh_open(ec2, g) for g in groups) == 2

    assert engine.sweep() == 2  # the rest on the next run
    settle(engine)
    assert {e.resource_id for e in executions(store)} == set(groups)
    assert len(executions(store)) == 4
    assert not any(ssh_open(ec2, g) for g in groups)


# --- execution controls -----------------------------------------------------------------------------


class Gate:
    """Counts the documents inside it and holds them until released."""

    def __init__(self) -> None:
        self.inside = 0
        self.most = 0
        self.entered = 0
        self.release = threading.Event()
        self._lock = threading.Lock()

    def hold(self) -> None:
        with self._lock:
            self.inside += 1
            self.entered += 1
            self.most = max(self.most, self.inside)
        try:
            assert self.release.wait(15), "never released"
        finally:
            with self._lock:
                self.inside -= 1


@pytest.fixture
def gate() -> Gate:
    return Gate()


def with_gated_document(engine: RemediationEngine, gate: Gate) -> str:
    """Give this engine (only) a document that reads the group, then waits at the gate."""

    class Gated(AutomationDocument):
        name = "Test-GatedDescribe"
        description = "Describes the group, then waits for the test."
        resource_types = (SG,)
        parameters = (DocumentParameter("GroupId", "String", "the group"), assume_role_parameter())

        def run(self, automation: Automation, params: dict[str, Any]) -> None:
            with automation.step("DescribeThenWait"):
                automation.read("ec2", "describe_security_groups", GroupIds=[params["GroupId"]])
                gate.hold()

    documents: Registry[type[AutomationDocument]] = Registry("automation document")
    for name, document in load_documents().items():
        documents.add(name, document)
    documents.add(Gated.name, Gated)
    engine.documents = documents
    return Gated.name


def test_concurrent_execution_rate_percentage_limits_how_many_run_at_once(
    store: Store, ec2: Any, gate: Gate, make_engine: Callable[..., RemediationEngine]
) -> None:
    engine = make_engine(workers=4)
    target = with_gated_document(engine, gate)
    put_config(store, automatic=False, target=target, concurrent_execution_rate_percentage=50)
    groups = [open_group(ec2, f"g{n}") for n in range(4)]

    queued, refused = engine.start(SOURCE, RULE, [ResourceKey(SG, g) for g in groups])
    assert (len(queued), refused) == (4, [])
    try:
        eventually(lambda: gate.inside == 2)
        time.sleep(0.3)  # time enough for a third to start, were it allowed to
        assert (gate.inside, gate.entered) == (2, 2)
        states = sorted(e.state.value for e in executions(store))
        assert states == ["IN_PROGRESS", "IN_PROGRESS", "QUEUED", "QUEUED"]
    finally:
        gate.release.set()
    settle(engine)
    assert gate.most == 2 and gate.entered == 4
    assert {e.state for e in executions(store)} == {ExecutionState.SUCCEEDED}


def test_error_percentage_stops_a_batch_once_exceeded(
    store: Store, ec2: Any, other_vpc: str, make_engine: Callable[..., RemediationEngine]
) -> None:
    engine = make_engine()
    # One at a time (25% of 4), and at most one failure (25% of 4) before the rest are not started.
    put_config(store, automatic=False, concurrent_execution_rate_percentage=25, error_percentage=25)
    groups = [open_group(ec2, f"bad{n}", vpc=other_vpc) for n in range(4)]

    engine.start(SOURCE, RULE, [ResourceKey(SG, g) for g in groups])
    settle(engine)

    by_group = {e.resource_id: e for e in executions(store)}
    ran, not_started = [by_group[g] for g in groups[:2]], [by_group[g] for g in groups[2:]]
    for execution in ran:
        assert execution.state is ExecutionState.FAILED
        assert "InvalidPermission.NotFound" in (execution.error_message or "")
        assert any(c.operation == "revoke_security_group_ingress" for c in execution.calls)
    for execution in not_started:
        assert execution.state is ExecutionState.FAILED
        assert (execution.error_message or "").startswith("Not started")
        assert execution.calls == () and execution.steps == ()


# --- dry runs and the audit record ------------------------------------------------------------------


def test_a_dry_run_changes_nothing_stores_nothing_and_lists_the_calls(
    store: Store, ec2: Any, make_engine: Callable[..., RemediationEngine], recorder: Recorder
) -> None:
    engine = make_engine(recorder=recorder)
    put_config(store, automatic=False)
    group = open_group(ec2, "open")
    items_before = store.items.count_items()

    dry = engine.dry_run(SOURCE, RULE, ResourceKey(SG, group))

    assert dry.dry_run and dry.state is ExecutionState.SUCCEEDED
    assert [(c.service, c.operation, c.writes, c.made) for c in dry.calls] == [
        ("ec2", "describe_security_groups", False, True),
        ("ec2", "describe_vpcs", False, True),
        ("ec2", "revoke_security_group_ingress", True, False),
    ]
    assert dry.calls[-1].parameters == {"GroupId": group, "IpPermissions": [SSH_FROM_ANYWHERE]}
    assert ssh_open(ec2, group)
    assert store.remediation.executions(SOURCE, RULE, include_dry_runs=True) == []
    assert store.remediation.unfinished_executions() == []
    assert store.items.count_items() == items_before


def test_an_execution_keeps_every_call_it_made_as_its_audit_record(
    store: Store, ec2: Any, make_engine: Callable[..., RemediationEngine]
) -> None:
    engine = make_engine()
    put_config(store, automatic=False)
    group = open_group(ec2, "open")

    engine.start(SOURCE, RULE, [ResourceKey(SG, group)])
    settle(engine)

    (done,) = executions(store, group)
    assert done.state is ExecutionState.SUCCEEDED and not done.automatic and done.error_message is None
    assert [(s.name, s.state) for s in done.steps] == [
        ("CustomIpCheck", StepState.SUCCEEDED),
        ("DisableFromAllIp", StepState.SUCCEEDED),
    ]
    assert all(s.start_time and s.stop_time and s.start_time <= s.stop_time for s in done.steps)
    assert [(c.service, c.operation, c.writes, c.made, c.error) for c in done.calls] == [
        ("ec2", "describe_security_groups", False, True, None),
        ("ec2", "describe_vpcs", False, True, None),
        ("ec2", "revoke_security_group_ingress", True, True, None),
    ]
    assert done.calls[0].parameters == {"GroupIds": [group]}
    assert done.calls[-1].parameters == {"GroupId": group, "IpPermissions": [SSH_FROM_ANYWHERE]}
    assert not ssh_open(ec2, group)


# --- restart ----------------------------------------------------------------------------------------


def test_resume_runs_what_was_queued_and_fails_what_was_in_progress(
    store: Store, ec2: Any, make_engine: Callable[..., RemediationEngine]
) -> None:
    put_config(store, automatic=False)
    waiting, interrupted = open_group(ec2, "waiting"), open_group(ec2, "interrupted")
    now = SystemClock().now() - timedelta(seconds=5)

    def stored(group: str, state: ExecutionState) -> Execution:
        execution = Execution(
            str(uuid.uuid4()), SOURCE.account_id, SOURCE.region, RULE, SG, group, DOC, state, now, now
        )
        store.remediation.save_execution(execution)
        return execution

    queued, running = stored(waiting, ExecutionState.QUEUED), stored(interrupted, ExecutionState.IN_PROGRESS)

    engine = make_engine()
    assert engine.resume() == (1, 1)
    settle(engine)

    ran = store.remediation.get_execution(queued.execution_id)
    assert ran is not None and ran.state is ExecutionState.SUCCEEDED
    assert not ssh_open(ec2, waiting)
    failed = store.remediation.get_execution(running.execution_id)
    assert failed is not None and failed.state is ExecutionState.FAILED
    assert (failed.error_message or "").startswith("roost stopped while this execution ran")
    assert ssh_open(ec2, interrupted)  # not run again
    assert store.remediation.unfinished_executions() == []


# --- after a success --------------------------------------------------------------------------------


def test_after_a_success_the_resource_is_recorded_again_at_once_and_its_rule_reevaluated(
    store: Store, ec2: Any, make_engine: Callable[..., RemediationEngine], recorder: Recorder
) -> None:
    reevaluated: list[tuple[AccountRegion, str]] = []
    engine = make_engine(
        recorder=recorder, reevaluate=lambda source, rule: reevaluated.append((source, rule))
    )
    put_config(store, automatic=True)
    group = open_group(ec2, "open")
    key = ResourceKey(SG, group)
    before = recorder.record_resource(SOURCE, key)
    assert before is not None and before.configuration is not None
    assert any(p.get("fromPort") == 22 for p in before.configuration["ipPermissions"])

    engine.on_results(SOURCE, flag(store, engine.clock, group))

    after = eventually(
        lambda: (
            (item := store.items.latest_item(SOURCE, key)) is not None
            and item.configuration_state_id != before.configuration_state_id
            and item
        )
    )
    assert not any(p.get("fromPort") == 22 for p in after.configuration["ipPermissions"])
    eventually(lambda: reevaluated)
    assert reevaluated == [(SOURCE, RULE)]


def test_the_sweep_fails_what_a_dead_process_left_in_progress(
    store: Store, ec2: Any, make_engine: Callable[..., RemediationEngine]
) -> None:
    """`roost remediate` killed while `roost up` runs: its execution is IN_PROGRESS with no one
    running it. Once it has made no progress for ABANDONED_AFTER the sweep fails it (a fresh one is
    left alone: its process may still be at it)."""
    put_config(store, automatic=False)
    old_group, fresh_group = open_group(ec2, "abandoned"), open_group(ec2, "fresh")
    now = SystemClock().now()

    def stored(group: str, updated: datetime) -> Execution:
        execution = Execution(
            str(uuid.uuid4()), SOURCE.account_id, SOURCE.region, RULE, SG, group, DOC,
            ExecutionState.IN_PROGRESS, updated, updated,
        )  # fmt: skip
        store.remediation.save_execution(execution)
        return execution

    abandoned = stored(old_group, now - ABANDONED_AFTER - timedelta(seconds=5))
    fresh = stored(fresh_group, now - timedelta(seconds=5))
    make_engine().sweep()

    failed = store.remediation.get_execution(abandoned.execution_id)
    assert failed is not None and failed.state is ExecutionState.FAILED
    assert (failed.error_message or "").startswith("Its process stopped (no progress for 2:00:00)")
    still = store.remediation.get_execution(fresh.execution_id)
    assert still is not None and still.state is ExecutionState.IN_PROGRESS
    assert ssh_open(ec2, old_group)  # not run again
