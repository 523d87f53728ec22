from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.managed.rule_helpers import evaluate_results

SG = "AWS::EC2::SecurityGroup"
NAME = "vpc-sg-open-only-to-authorized-ports"


def test_world_open_ports_must_be_authorized(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    ec2 = aws("ec2")

    def group(name: str, *permissions: dict[str, Any]) -> str:
        group_id: str = ec2.create_security_group(GroupName=name, Description=name)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=list(permissions))
        return group_id

    world = [{"CidrIp": "0.0.0.0/0"}]
    https = group("https", {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": world})
    ranged = group("ranged", {"IpProtocol": "tcp", "FromPort": 1020, "ToPort": 1030, "IpRanges": world})
    dns = group(
        "dns", {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}
    )
    everything = group("everything", {"IpProtocol": "-1", "IpRanges": world})
    private = group(
        "private", {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
    )
    recorder.record_pass(SOURCE, resource_types=[SG])

    results = evaluate_results(
        recorder,
        engine,
        "VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS",
        NAME,
        authorizedTcpPorts="443,1020-1025",
        authorizedUdpPorts="53",
    )

    assert results[https].compliance_type is ComplianceType.COMPLIANT
    assert results[ranged].compliance_type is ComplianceType.NON_COMPLIANT
    assert results[ranged].annotation == "The security group allows TCP 1020-1030 from the whole internet."
    assert results[dns].compliance_type is ComplianceType.COMPLIANT
    assert results[everything].compliance_type is ComplianceType.NON_COMPLIANT
    assert results[private].compliance_type is ComplianceType.COMPLIANT

    results = evaluate_results(recorder, engine, "VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS", NAME)
    assert results[https].compliance_type is ComplianceType.NON_COMPLIANT  # nothing is authorized
    assert results[dns].compliance_type is ComplianceType.NON_COMPLIANT


def test_a_bad_port_list_fails_the_rule(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    ec2 = aws("ec2")
    group_id = ec2.create_security_group(GroupName="https", Description="d")["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group_id,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    recorder.record_pass(SOURCE, resource_types=[SG])

    evaluate_results(
        recorder, engine, "VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS", NAME, authorizedTcpPorts="https"
    )

    status = recorder.store.rules.status(SOURCE, NAME)
    assert status is not None and status.last_error_code is not None
