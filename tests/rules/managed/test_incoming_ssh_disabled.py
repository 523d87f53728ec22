from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.conftest import managed_rule
from tests.rules.managed.rule_helpers import results_via_api

SG = "AWS::EC2::SecurityGroup"


def test_restricted_ssh_flags_the_open_group_and_clears_it_when_fixed(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    ec2 = aws("ec2")
    ssh = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    open_group = ec2.create_security_group(GroupName="unrestricted-ssh", Description="lab")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=open_group, IpPermissions=[ssh])
    wide = ec2.create_security_group(GroupName="all-ports", Description="d")["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=wide,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 0, "ToPort": 1024, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}
        ],
    )
    private = ec2.create_security_group(GroupName="private-ssh", Description="d")["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=private,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
        ],
    )
    recorder.listeners.append(engine.handle_items)
    recorder.record_pass(SOURCE, resource_types=[SG])
    rule = managed_rule("INCOMING_SSH_DISABLED", name="restricted-ssh")
    recorder.store.rules.put(rule, now=recorder.clock.now())

    engine.evaluate_rule(rule)

    def results() -> dict[str, ComplianceType]:
        return {r.resource_id: r.compliance_type for r in results_via_api(recorder.store, rule.name)}

    assert results()[open_group] is ComplianceType.NON_COMPLIANT
    assert results()[wide] is ComplianceType.NON_COMPLIANT
    assert results()[private] is ComplianceType.COMPLIANT
    ec2.revoke_security_group_ingress(GroupId=open_group, IpPermissions=[ssh])
    recorder.record_pass(SOURCE, resource_types=[SG])  # the change triggers the rule
    assert results()[open_group] is ComplianceType.COMPLIANT
    ec2.delete_security_group(GroupId=private)
    recorder.record_pass(SOURCE, resource_types=[SG])
    assert results()[private] is ComplianceType.NOT_APPLICABLE
    history = recorder.store.items.history(
        SOURCE,
        __import__("roost.model", fromlist=["ResourceKey"]).ResourceKey(
            "AWS::Config::ResourceCompliance", f"{SG}/{open_group}"
        ),
    )
    assert [i.configuration["complianceType"] for i in history if i.configuration] == [
        "COMPLIANT",
        "NON_COMPLIANT",
    ]
