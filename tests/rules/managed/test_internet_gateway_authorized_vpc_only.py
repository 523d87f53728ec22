from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.managed.rule_helpers import evaluate_results


def test_gateways_may_only_attach_to_authorized_vpcs(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    ec2 = aws("ec2")
    allowed = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    other = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    gateways = {}
    for label, vpc in (("allowed", allowed), ("other", other), ("detached", None)):
        gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        if vpc:
            ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
        gateways[label] = gateway
    recorder.record_pass(SOURCE, resource_types=["AWS::EC2::InternetGateway"])

    name = "internet-gateway-authorized-vpc-only"
    results = evaluate_results(
        recorder, engine, "INTERNET_GATEWAY_AUTHORIZED_VPC_ONLY", name, AuthorizedVpcIds=allowed
    )
    assert results[gateways["allowed"]].compliance_type is ComplianceType.COMPLIANT
    assert results[gateways["other"]].compliance_type is ComplianceType.NON_COMPLIANT
    assert results[gateways["other"]].annotation == (
        f"The internet gateway is attached to an unauthorized VPC: {other}."
    )
    assert results[gateways["detached"]].compliance_type is ComplianceType.COMPLIANT

    results = evaluate_results(recorder, engine, "INTERNET_GATEWAY_AUTHORIZED_VPC_ONLY", name)
    assert results[gateways["allowed"]].compliance_type is ComplianceType.NON_COMPLIANT  # none authorized
    assert results[gateways["detached"]].compliance_type is ComplianceType.COMPLIANT
