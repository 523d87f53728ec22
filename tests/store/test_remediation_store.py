"""store.remediation on both engines: configurations (one per rule and resource type), exceptions
(with expiry), executions (their steps and calls, newest first, dry runs apart), and migration 5."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from roost.model import AccountRegion
from roost.remediation.model import (
    CloudCall,
    Execution,
    ExecutionState,
    ExecutionStep,
    ParameterValue,
    RemediationConfiguration,
    RemediationException,
    StepState,
)
from roost.store import Store
from roost.store.migrations import MIGRATIONS, current_version

SOURCE = AccountRegion("123456789012", "us-east-1")
OTHER = AccountRegion("123456789012", "eu-west-1")
T0 = datetime(2026, 3, 1, 12, 0, 0, 123000, tzinfo=UTC)
SG = "AWS::EC2::SecurityGroup"
BUCKET = "AWS::S3::Bucket"
DOC = "AWS-DisablePublicAccessForSecurityGroup"


def config(
    rule: str = "r", resource_type: str | None = SG, source: AccountRegion = SOURCE, **changes: Any
) -> RemediationConfiguration:
    made = RemediationConfiguration(
        account_id=source.account_id,
        region=source.region,
        config_rule_name=rule,
        target_id=DOC,
        arn=f"arn:aws:config:{source.region}:{source.account_id}:remediation-configuration/{rule}/x",
        target_version="1",
        parameters={
            "GroupId": ParameterValue(resource_value="RESOURCE_ID"),
            "AutomationAssumeRole": ParameterValue(static_values=("arn:aws:iam::123456789012:role/r",)),
        },
        resource_type=resource_type,
        automatic=True,
        concurrent_execution_rate_percentage=20,
        error_percentage=30,
        maximum_automatic_attempts=3,
        retry_attempt_seconds=120,
    )
    return replace(made, **changes)


def execution(
    execution_id: str,
    resource_id: str = "sg-1",
    *,
    state: ExecutionState = ExecutionState.QUEUED,
    at: datetime = T0,
    rule: str = "r",
    **changes: Any,
) -> Execution:
    made = Execution(
        execution_id=execution_id,
        account_id=SOURCE.account_id,
        region=SOURCE.region,
        config_rule_name=rule,
        resource_type=SG,
        resource_id=resource_id,
        document=DOC,
        state=state,
        invocation_time=at,
        last_updated_time=at,
    )
    return replace(made, **changes)


# --- migration --------------------------------------------------------------------------------------


def test_the_store_is_at_schema_version_5_with_the_remediation_tables(any_store: Store) -> None:
    assert any(m.version == 5 and "remediation" in m.description for m in MIGRATIONS)
    with any_store.engine.connect() as conn:
        assert current_version(conn) >= 5
        tables = set(sa.inspect(conn).get_table_names())
    assert {"remediation_configurations", "remediation_exceptions", "remediation_executions"} <= tables


# --- configurations ---------------------------------------------------------------------------------


def test_configurations_round_trip_and_are_replaced_per_rule_and_resource_type(any_store: Store) -> None:
    remediation = any_store.remediation
    sg = config()
    remediation.put_configuration(sg)
    assert remediation.configurations(SOURCE, ["r"]) == [sg]
    # The same rule and type again replaces it; another type is a second configuration.
    changed = replace(sg, automatic=False, maximum_automatic_attempts=None, target_version=None)
    remediation.put_configuration(changed)
    bucket = config(
        resource_type=BUCKET, parameters={"BucketName": ParameterValue(resource_value="RESOURCE_ID")}
    )
    remediation.put_configuration(bucket)
    general = config(resource_type=None)
    remediation.put_configuration(general)
    assert remediation.configurations(SOURCE, ["r"]) == [general, changed, bucket]  # by resource type
    # Other rules and sources are apart.
    remediation.put_configuration(config("other"))
    remediation.put_configuration(config(source=OTHER))
    assert len(remediation.configurations(SOURCE, ["r"])) == 3
    assert [c.config_rule_name for c in remediation.configurations(SOURCE, ["other"])] == ["other"]
    assert len(remediation.configurations(OTHER)) == 1
    assert len(remediation.configurations()) == 5
    assert remediation.configurations(SOURCE, ["missing"]) == []


def test_deleting_a_configuration_by_resource_type_or_all_of_a_rule(any_store: Store) -> None:
    remediation = any_store.remediation
    remediation.put_configuration(config())
    remediation.put_configuration(config(resource_type=BUCKET))
    remediation.put_configuration(config("other"))
    assert remediation.delete_configuration(SOURCE, "r", BUCKET) is True
    assert [c.resource_type for c in remediation.configurations(SOURCE, ["r"])] == [SG]
    assert remediation.delete_configuration(SOURCE, "r", BUCKET) is False
    remediation.put_configuration(config(resource_type=BUCKET))
    assert remediation.delete_configuration(SOURCE, "r", None) is True
    assert remediation.configurations(SOURCE, ["r"]) == []
    assert remediation.delete_configuration(SOURCE, "r", None) is False
    assert len(remediation.configurations(SOURCE, ["other"])) == 1


# --- exceptions -------------------------------------------------------------------------------------


def _exception(resource_id: str, expires: datetime | None = None, rule: str = "r") -> RemediationException:
    return RemediationException(
        SOURCE.account_id, SOURCE.region, rule, SG, resource_id, f"m {resource_id}", expires
    )


def test_exceptions_put_replace_list_and_filter_the_expired(any_store: Store) -> None:
    remediation = any_store.remediation
    forever, later, gone = (
        _exception("sg-a"),
        _exception("sg-b", T0 + timedelta(hours=1)),
        _exception("sg-c", T0),
    )
    remediation.put_exceptions([gone, later, forever, _exception("sg-z", rule="other")])
    assert remediation.exceptions(SOURCE, "r") == [forever, later, gone]
    assert remediation.exceptions(SOURCE, "r", now=T0) == [forever, later]  # expiring at `now`: expired
    assert remediation.exceptions(SOURCE, "r", now=T0 + timedelta(hours=2)) == [forever]
    # Putting one again replaces its message and expiry.
    renewed = replace(gone, message="renewed", expiration_time=None)
    remediation.put_exceptions([renewed])
    assert remediation.exceptions(SOURCE, "r", now=T0 + timedelta(days=9)) == [forever, renewed]
    assert remediation.exceptions(OTHER, "r") == []


def test_deleting_exceptions_and_the_expired_ones(any_store: Store) -> None:
    remediation = any_store.remediation
    remediation.put_exceptions(
        [
            _exception("sg-a"),
            _exception("sg-b", T0),
            _exception("sg-c", T0 + timedelta(hours=1)),
            _exception("sg-d"),
        ]
    )
    assert remediation.delete_exceptions(SOURCE, "r", [(SG, "sg-a"), (SG, "sg-missing")]) == 1
    assert remediation.delete_exceptions(SOURCE, "r", []) == 0
    assert [e.resource_id for e in remediation.exceptions(SOURCE, "r")] == ["sg-b", "sg-c", "sg-d"]
    assert remediation.delete_expired_exceptions(T0) == 1
    assert [e.resource_id for e in remediation.exceptions(SOURCE, "r")] == ["sg-c", "sg-d"]
    assert remediation.delete_expired_exceptions(T0 + timedelta(hours=1, seconds=1)) == 1
    assert [e.resource_id for e in remediation.exceptions(SOURCE, "r")] == ["sg-d"]


# --- executions -------------------------------------------------------------------------------------


def test_an_execution_is_saved_and_updated_with_its_steps_and_calls(any_store: Store) -> None:
    remediation = any_store.remediation
    queued = execution("e1", automatic=True, attempt=2)
    remediation.save_execution(queued)
    assert remediation.get_execution("e1") == queued
    done = replace(
        queued,
        state=ExecutionState.FAILED,
        last_updated_time=T0 + timedelta(seconds=3),
        parameters={"GroupId": ["sg-1"], "AutomationAssumeRole": ["arn:aws:iam::123456789012:role/r"]},
        steps=(
            ExecutionStep("CustomIpCheck", StepState.SUCCEEDED, None, T0, T0 + timedelta(seconds=1)),
            ExecutionStep("DisableFromAllIp", StepState.FAILED, "InvalidPermission.NotFound: x", T0, None),
        ),
        calls=(
            CloudCall("ec2", "describe_security_groups", {"GroupIds": ["sg-1"]}, writes=False, made=True),
            CloudCall(
                "ec2",
                "revoke_security_group_ingress",
                {"GroupId": "sg-1", "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22}]},
                writes=True,
                made=True,
                error="InvalidPermission.NotFound: x",
            ),
        ),
        error_message="Step DisableFromAllIp failed: InvalidPermission.NotFound: x",
    )
    remediation.save_execution(done)
    assert remediation.get_execution("e1") == done
    assert remediation.executions(SOURCE, "r") == [done]
    assert remediation.get_execution("missing") is None


def test_executions_newest_first_latest_per_resource_unfinished_and_dry_runs_apart(any_store: Store) -> None:
    remediation = any_store.remediation
    old_a = execution("a1", "sg-a", state=ExecutionState.FAILED, at=T0)
    new_a = execution("a2", "sg-a", state=ExecutionState.SUCCEEDED, at=T0 + timedelta(seconds=10))
    running_b = execution("b1", "sg-b", state=ExecutionState.IN_PROGRESS, at=T0 + timedelta(seconds=5))
    queued_c = execution("c1", "sg-c", state=ExecutionState.QUEUED, at=T0 + timedelta(seconds=1))
    dry = execution("d1", "sg-a", state=ExecutionState.SUCCEEDED, at=T0 + timedelta(seconds=20), dry_run=True)
    other_rule = execution("o1", "sg-a", state=ExecutionState.QUEUED, at=T0, rule="other")
    for e in (old_a, new_a, running_b, queued_c, dry, other_rule):
        remediation.save_execution(e)

    assert [e.execution_id for e in remediation.executions(SOURCE, "r")] == ["a2", "b1", "c1", "a1"]
    with_dry = [e.execution_id for e in remediation.executions(SOURCE, "r", include_dry_runs=True)]
    assert with_dry == ["d1", "a2", "b1", "c1", "a1"]
    assert [e.execution_id for e in remediation.executions(SOURCE, "r", resource=(SG, "sg-a"))] == [
        "a2",
        "a1",
    ]
    assert [e.execution_id for e in remediation.executions(SOURCE, "r", resource=(SG, "sg-a"), limit=1)] == [
        "a2"
    ]
    assert [e.execution_id for e in remediation.latest_executions(SOURCE, "r")] == ["a2", "b1", "c1"]
    # Unfinished: of every rule, oldest first; dry runs are never stored unfinished by the engine.
    assert [e.execution_id for e in remediation.unfinished_executions()] == ["o1", "c1", "b1"]
    assert remediation.executions(OTHER, "r") == []
    assert remediation.get_execution("d1") == dry


def test_an_execution_is_replaced_only_if_nobody_wrote_it_since(any_store: Store) -> None:
    """The sweep fails what a dead process left IN_PROGRESS, but never over a newer write (the
    process was alive after all and moved it on)."""
    running = execution("e-1", state=ExecutionState.IN_PROGRESS, at=T0)
    any_store.remediation.save_execution(running)
    failed = replace(
        running, state=ExecutionState.FAILED, error_message="gone", last_updated_time=T0 + timedelta(hours=3)
    )
    # Moved on meanwhile: the stale read must not win.
    moved = replace(running, last_updated_time=T0 + timedelta(hours=2, minutes=30))
    any_store.remediation.save_execution(moved)
    assert not any_store.remediation.replace_execution_if_unchanged(failed, last_updated=T0)
    assert any_store.remediation.get_execution("e-1") == moved
    # Read again, still untouched: now it is replaced.
    assert any_store.remediation.replace_execution_if_unchanged(failed, last_updated=moved.last_updated_time)
    stored = any_store.remediation.get_execution("e-1")
    assert stored is not None and (stored.state, stored.error_message) == (ExecutionState.FAILED, "gone")
