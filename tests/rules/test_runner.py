"""The rule runner: recorded changes reach the change-triggered rules without anyone asking."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from roost.rules.managed_rule import InvalidParameterError, ManagedRule, Parameter
from roost.rules.runner import RuleRunner
from tests.conftest import SOURCE
from tests.rules.conftest import managed_rule


def test_a_recorded_change_is_judged_in_the_background(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    runner = RuleRunner(engine, periodic_check_seconds=0.2)
    recorder.listeners.append(runner.submit)
    rule = managed_rule("INCOMING_SSH_DISABLED", name="restricted-ssh")
    recorder.store.rules.put(rule, now=recorder.clock.now())
    # restricted-ssh is periodic too: mark it run, so only the change trigger can produce the result.
    recorder.store.rules.mark_periodic_run(rule, recorder.clock.now())
    runner.start()
    try:
        ec2 = aws("ec2")
        group = ec2.create_security_group(GroupName="unrestricted-ssh", Description="lab")["GroupId"]
        ec2.authorize_security_group_ingress(
            GroupId=group,
            IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
            ],
        )
        recorder.record_pass(SOURCE, resource_types=["AWS::EC2::SecurityGroup"])
        deadline = time.monotonic() + 30
        found: dict[str, ComplianceType] = {}
        while time.monotonic() < deadline and group not in found:
            found = {r.resource_id: r.compliance_type for r in recorder.store.evaluations.results(SOURCE)}
            time.sleep(0.05)
    finally:
        runner.stop()
    assert found.get(group) is ComplianceType.NON_COMPLIANT


def test_a_rule_roost_does_not_implement_says_so(recorder: Recorder, engine: RuleEngine) -> None:
    rule = managed_rule("EKS_SECRETS_ENCRYPTED")  # in AWS's catalogue, not (yet) in roost
    recorder.store.rules.put(rule, now=recorder.clock.now())

    engine.evaluate_rule(rule)

    status = recorder.store.rules.status(SOURCE, rule.name)
    assert status is not None and status.last_error_code == "NotImplemented"
    assert "does not implement the managed rule EKS_SECRETS_ENCRYPTED" in (status.last_error_message or "")
    assert recorder.store.evaluations.results(SOURCE, rule_names=[rule.name]) == []


class _WithMaxAge(ManagedRule):
    identifier = "TEST_ONLY"
    name = "test-only"
    parameters = (
        Parameter("maxAge", "int", "90"),
        Parameter("names", "CSV"),
        Parameter("strict", "boolean", "true"),
    )


def test_parameters_are_typed_with_aws_defaults_and_bad_ones_are_refused() -> None:
    assert _WithMaxAge.parse_parameters("{}") == {"maxAge": 90, "names": None, "strict": True}
    assert _WithMaxAge.parse_parameters('{"maxAge": "30", "names": "a, b", "strict": "True"}') == {
        "maxAge": 30,
        "names": ["a", "b"],
        "strict": False,  # AWS: booleans are case-sensitive, anything but "true" is false
    }
    with pytest.raises(InvalidParameterError, match="maxAge must be int"):
        _WithMaxAge.parse_parameters('{"maxAge": "soon"}')
    with pytest.raises(InvalidParameterError, match="not a JSON object"):
        _WithMaxAge.parse_parameters("{maxAge")
