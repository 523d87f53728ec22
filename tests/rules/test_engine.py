"""The engine's promises: deleted resources drop out, unreadable ones are never left compliant,
deleted rules stay deleted, periodic rules run on their frequency."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from roost.clock import FrozenClock
from roost.compliance import ComplianceType, ExecutionFrequency
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.conftest import managed_rule

USER = "AWS::IAM::User"


def _results(recorder: Recorder, rule: str) -> dict[str, ComplianceType]:
    return {
        r.resource_id: r.compliance_type
        for r in recorder.store.evaluations.results(SOURCE, rule_names=[rule])
    }


def test_a_deleted_resource_drops_out_of_a_periodic_rule(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    bob = aws("iam").create_user(UserName="bob")["User"]["UserId"]
    recorder.listeners.append(engine.handle_items)
    recorder.record_pass(SOURCE, resource_types=[USER])
    rule = managed_rule("IAM_USER_MFA_ENABLED")
    recorder.store.rules.put(rule, now=recorder.clock.now())
    engine.evaluate_rule(rule)
    assert _results(recorder, rule.name)[bob] is ComplianceType.NON_COMPLIANT

    aws("iam").delete_user(UserName="bob")
    recorder.record_pass(SOURCE, resource_types=[USER])

    assert _results(recorder, rule.name)[bob] is ComplianceType.NOT_APPLICABLE


def test_a_resource_the_rule_cannot_read_is_not_left_compliant(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    iam = aws("iam")
    alice = iam.create_user(UserName="alice")["User"]["UserId"]
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice-mfa")["VirtualMFADevice"]
    iam.enable_mfa_device(
        UserName="alice",
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    carol = iam.create_user(UserName="carol")["User"]["UserId"]
    recorder.record_pass(SOURCE, resource_types=[USER])
    rule = managed_rule("IAM_USER_MFA_ENABLED")
    recorder.store.rules.put(rule, now=recorder.clock.now())
    engine.evaluate_rule(rule)
    assert _results(recorder, rule.name)[alice] is ComplianceType.COMPLIANT

    # alice's MFA devices can no longer be read (IAM answers NoSuchEntity); her recorded item is unchanged.
    iam.deactivate_mfa_device(UserName="alice", SerialNumber=device["SerialNumber"])
    iam.delete_user(UserName="alice")
    engine.evaluate_rule(rule)

    results = _results(recorder, rule.name)
    assert alice not in results  # counted as INSUFFICIENT_DATA, never COMPLIANT
    assert results[carol] is ComplianceType.NON_COMPLIANT  # the others are still judged
    status = recorder.store.rules.status(SOURCE, rule.name)
    assert status is not None and status.last_error_code == "NoSuchEntity"


def test_a_deleted_rule_stays_deleted(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    aws("ec2").create_security_group(GroupName="g", Description="d")
    recorder.record_pass(SOURCE, resource_types=["AWS::EC2::SecurityGroup"])
    rule = managed_rule("INCOMING_SSH_DISABLED")
    recorder.store.rules.put(rule, now=recorder.clock.now())
    recorder.store.rules.delete(rule)

    engine.evaluate_rule(rule)  # an evaluation that was queued before the delete

    assert recorder.store.evaluations.results(SOURCE, rule_names=[rule.name]) == []


def test_periodic_rules_run_on_their_frequency(recorder: Recorder, aws: Callable[..., Any]) -> None:
    aws("iam").create_user(UserName="bob")
    recorder.record_pass(SOURCE, resource_types=[USER])
    clock = FrozenClock(datetime(2026, 11, 29, tzinfo=UTC))
    engine = RuleEngine(recorder.store, recorder.connector, clock)
    hourly = replace(
        managed_rule("IAM_USER_MFA_ENABLED"), maximum_execution_frequency=ExecutionFrequency.One_Hour
    )
    daily = replace(managed_rule("ACCESS_KEYS_ROTATED"), rule_id="config-rule-daily1")  # default: 24 hours
    for rule in (hourly, daily):
        recorder.store.rules.put(rule, now=clock.now())

    assert engine.run_due_periodic() == 2  # never ran
    assert engine.run_due_periodic() == 0
    clock.advance(timedelta(minutes=61))
    assert engine.run_due_periodic() == 1  # the hourly one
    clock.advance(timedelta(hours=24))
    assert engine.run_due_periodic() == 2


def test_a_resource_the_recorder_could_not_read_gets_no_verdict(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    from roost.model import CollectionError

    ec2 = aws("ec2")
    readable = ec2.create_security_group(GroupName="readable", Description="d")["GroupId"]
    unreadable = ec2.create_security_group(GroupName="unreadable", Description="d")["GroupId"]
    recorder.record_pass(SOURCE, resource_types=["AWS::EC2::SecurityGroup"])
    rule = managed_rule("INCOMING_SSH_DISABLED")
    recorder.store.rules.put(rule, now=recorder.clock.now())
    engine.evaluate_rule(rule)
    assert _results(recorder, rule.name)[unreadable] is ComplianceType.COMPLIANT
    # The next collection of that group failed (as the recorder stores it when a read is denied).
    failure = CollectionError(
        "AWS::EC2::SecurityGroup", unreadable, "AccessDenied", "denied", recorder.clock.now()
    )
    recorder.store.recorders.replace_errors(SOURCE, "AWS::EC2::SecurityGroup", [failure])

    engine.evaluate_rule(rule)

    results = _results(recorder, rule.name)
    assert unreadable not in results and results[readable] is ComplianceType.COMPLIANT
    status = recorder.store.rules.status(SOURCE, rule.name)
    assert status is not None and status.last_error_code == "AccessDenied"
    assert f"{unreadable} could not be recorded" in (status.last_error_message or "")


def test_narrowing_a_rule_s_scope_drops_what_it_no_longer_covers(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    from roost.compliance import RuleScope

    ec2 = aws("ec2")
    ssh = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    tagged = ec2.create_security_group(GroupName="tagged", Description="d")["GroupId"]
    untagged = ec2.create_security_group(GroupName="untagged", Description="d")["GroupId"]
    for group in (tagged, untagged):
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[ssh])
    ec2.create_tags(Resources=[tagged], Tags=[{"Key": "env", "Value": "prod"}])
    recorder.record_pass(SOURCE, resource_types=["AWS::EC2::SecurityGroup"])
    rule = managed_rule("INCOMING_SSH_DISABLED")
    recorder.store.rules.put(rule, now=recorder.clock.now())
    engine.evaluate_rule(rule)
    assert _results(recorder, rule.name)[untagged] is ComplianceType.NON_COMPLIANT

    narrowed = replace(rule, scope=RuleScope(tag_key="env", tag_value="prod"))
    recorder.store.rules.put(narrowed, now=recorder.clock.now())
    engine.evaluate_rule(narrowed)

    results = _results(recorder, rule.name)
    assert results[tagged] is ComplianceType.NON_COMPLIANT
    assert results[untagged] is ComplianceType.NOT_APPLICABLE


def test_deleting_a_rule_is_in_the_compliance_history(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    from roost.model import ResourceKey
    from roost.rules.configuration import delete_rule

    ec2 = aws("ec2")
    group = ec2.create_security_group(GroupName="open", Description="d")["GroupId"]
    ssh = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[ssh])
    recorder.record_pass(SOURCE, resource_types=["AWS::EC2::SecurityGroup"])
    rule = managed_rule("INCOMING_SSH_DISABLED")
    recorder.store.rules.put(rule, now=recorder.clock.now())
    engine.evaluate_rule(rule)

    delete_rule(recorder.store, SOURCE, rule.name, now=recorder.clock.now())

    key = ResourceKey("AWS::Config::ResourceCompliance", f"AWS::EC2::SecurityGroup/{group}")
    newest, oldest = recorder.store.items.history(SOURCE, key)[:2]
    assert oldest.configuration is not None and oldest.configuration["complianceType"] == "NON_COMPLIANT"
    assert newest.configuration is not None and newest.configuration["complianceType"] == "INSUFFICIENT_DATA"
    assert newest.configuration["configRuleList"] == []
