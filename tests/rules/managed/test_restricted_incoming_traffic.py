from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.rules.managed.rule_helpers import evaluate

SG = "AWS::EC2::SecurityGroup"


def test_in_use_groups_open_to_the_internet_on_blocked_ports_are_flagged(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]

    def group(name: str, *permissions: dict[str, Any], attached: bool = True) -> str:
        group_id: str = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
        if permissions:
            ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=list(permissions))
        if attached:
            ec2.create_network_interface(SubnetId=subnet, Groups=[group_id])
        return group_id

    def tcp(low: int, high: int, cidr: str = "0.0.0.0/0") -> dict[str, Any]:
        return {"IpProtocol": "tcp", "FromPort": low, "ToPort": high, "IpRanges": [{"CidrIp": cidr}]}

    rdp = group("rdp", tcp(3389, 3389))
    ftp_range = group("ftp-range", tcp(10, 30))
    web = group("web", tcp(443, 443), tcp(3306, 3306, "10.0.0.0/8"))
    custom = group("custom", tcp(8080, 8080))
    unused = group("unused", tcp(3389, 3389), attached=False)

    defaults = evaluate(recorder, engine, "RESTRICTED_INCOMING_TRAFFIC", "restricted-common-ports", [SG])
    custom_ports = evaluate(
        recorder,
        engine,
        "RESTRICTED_INCOMING_TRAFFIC",
        "restricted-common-ports-8080",
        [SG],
        {"blockedPort1": "8080"},
    )

    assert defaults[rdp] is ComplianceType.NON_COMPLIANT
    assert defaults[ftp_range] is ComplianceType.NON_COMPLIANT
    assert defaults[web] is ComplianceType.COMPLIANT
    assert defaults[custom] is ComplianceType.COMPLIANT
    assert defaults[unused] is ComplianceType.NOT_APPLICABLE
    assert custom_ports[custom] is ComplianceType.NON_COMPLIANT
    assert custom_ports[ftp_range] is ComplianceType.NON_COMPLIANT  # 21 is still blockedPort2
