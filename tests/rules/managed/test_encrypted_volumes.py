from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.rules.managed.rule_helpers import evaluate

VOLUME = "AWS::EC2::Volume"
AMI = "ami-1e749f67"


def volume(ec2: Any, instance: str | None, device: str, **params: Any) -> str:
    volume_id: str = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8, **params)["VolumeId"]
    if instance:
        ec2.attach_volume(VolumeId=volume_id, InstanceId=instance, Device=device)
    return volume_id


def test_attached_unencrypted_volumes_or_another_key_are_flagged(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    ec2, kms = aws("ec2"), aws("kms")
    key = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/ebs", TargetKeyId=key["KeyId"])
    other = kms.create_key()["KeyMetadata"]["Arn"]
    reservation = ec2.run_instances(
        ImageId=AMI, MinCount=1, MaxCount=1, Placement={"AvailabilityZone": "us-east-1a"}
    )
    instance = reservation["Instances"][0]["InstanceId"]
    root = reservation["Instances"][0]["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    plain = volume(ec2, instance, "/dev/sdf")
    with_key = volume(ec2, instance, "/dev/sdg", Encrypted=True, KmsKeyId=key["Arn"])
    with_other = volume(ec2, instance, "/dev/sdh", Encrypted=True, KmsKeyId=other)
    loose = volume(ec2, None, "", Encrypted=False)

    any_key = evaluate(recorder, engine, "ENCRYPTED_VOLUMES", "encrypted-volumes", [VOLUME])
    by_alias = evaluate(
        recorder, engine, "ENCRYPTED_VOLUMES", "encrypted-volumes-ebs-key", [VOLUME], {"kmsId": "alias/ebs"}
    )

    assert any_key == {
        root: ComplianceType.NON_COMPLIANT,  # moto's root volumes are unencrypted
        plain: ComplianceType.NON_COMPLIANT,
        with_key: ComplianceType.COMPLIANT,
        with_other: ComplianceType.COMPLIANT,
        loose: ComplianceType.NOT_APPLICABLE,
    }
    assert by_alias[with_key] is ComplianceType.COMPLIANT
    assert by_alias[with_other] is ComplianceType.NON_COMPLIANT
