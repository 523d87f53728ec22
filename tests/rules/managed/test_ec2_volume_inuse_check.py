from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.rules.managed.rule_helpers import evaluate

VOLUME = "AWS::EC2::Volume"
AMI = "ami-1e749f67"


def test_unattached_volumes_are_flagged_and_kept_ones_when_asked(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    ec2 = aws("ec2")
    reservation = ec2.run_instances(
        ImageId=AMI, MinCount=1, MaxCount=1, Placement={"AvailabilityZone": "us-east-1a"}
    )
    instance = reservation["Instances"][0]["InstanceId"]
    root = reservation["Instances"][0]["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    data = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8)["VolumeId"]
    ec2.attach_volume(VolumeId=data, InstanceId=instance, Device="/dev/sdf")
    spare = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8)["VolumeId"]
    attachments = {
        v["VolumeId"]: v["Attachments"] for v in ec2.describe_volumes(VolumeIds=[root, data])["Volumes"]
    }

    plain = evaluate(recorder, engine, "EC2_VOLUME_INUSE_CHECK", "ec2-volume-inuse-check", [VOLUME])
    strict = evaluate(
        recorder,
        engine,
        "EC2_VOLUME_INUSE_CHECK",
        "ec2-volume-inuse-check-delete",
        [VOLUME],
        {"deleteOnTermination": "true"},
    )

    assert plain == {
        root: ComplianceType.COMPLIANT,
        data: ComplianceType.COMPLIANT,
        spare: ComplianceType.NON_COMPLIANT,
    }
    for volume_id in (root, data):
        deleted = all(a.get("DeleteOnTermination") for a in attachments[volume_id])
        expected = ComplianceType.COMPLIANT if deleted else ComplianceType.NON_COMPLIANT
        assert strict[volume_id] is expected
    assert strict[spare] is ComplianceType.NON_COMPLIANT
