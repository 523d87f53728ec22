from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.managed.rule_helpers import evaluate_results

VPC = "AWS::EC2::VPC"


def test_vpcs_need_an_active_flow_log_of_the_wanted_traffic(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    ec2 = aws("ec2")
    aws("s3").create_bucket(Bucket="flow-logs")
    logged = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    rejects = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    bare = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    for vpc, traffic in ((logged, "ALL"), (rejects, "REJECT")):
        ec2.create_flow_logs(
            ResourceIds=[vpc],
            ResourceType="VPC",
            TrafficType=traffic,
            LogDestinationType="s3",
            LogDestination="arn:aws:s3:::flow-logs",
        )
    recorder.record_pass(SOURCE, resource_types=[VPC])

    results = evaluate_results(recorder, engine, "VPC_FLOW_LOGS_ENABLED", "vpc-flow-logs-enabled")
    assert results[logged].compliance_type is ComplianceType.COMPLIANT
    assert results[rejects].compliance_type is ComplianceType.COMPLIANT
    assert results[bare].compliance_type is ComplianceType.NON_COMPLIANT
    assert results[bare].annotation == "The VPC has no active flow log."

    results = evaluate_results(
        recorder, engine, "VPC_FLOW_LOGS_ENABLED", "vpc-flow-logs-enabled", trafficType="all"
    )
    assert results[logged].compliance_type is ComplianceType.COMPLIANT
    assert results[rejects].compliance_type is ComplianceType.NON_COMPLIANT
