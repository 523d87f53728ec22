from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.managed.rule_helpers import evaluate_results, results_via_api


def test_subnets_assigning_public_addresses_are_non_compliant(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    private = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24")["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=public, MapPublicIpOnLaunch={"Value": True})
    recorder.listeners.append(engine.handle_items)
    recorder.record_pass(SOURCE, resource_types=["AWS::EC2::Subnet"])

    name = "subnet-auto-assign-public-ip-disabled"
    results = evaluate_results(recorder, engine, "SUBNET_AUTO_ASSIGN_PUBLIC_IP_DISABLED", name)
    assert results[private].compliance_type is ComplianceType.COMPLIANT
    assert results[public].compliance_type is ComplianceType.NON_COMPLIANT

    ec2.modify_subnet_attribute(SubnetId=public, MapPublicIpOnLaunch={"Value": False})
    recorder.record_pass(SOURCE, resource_types=["AWS::EC2::Subnet"])  # the change triggers the rule
    results = {r.resource_id: r for r in results_via_api(recorder.store, name)}
    assert results[public].compliance_type is ComplianceType.COMPLIANT
