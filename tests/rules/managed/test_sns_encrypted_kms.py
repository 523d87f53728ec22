from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.rules.managed.rule_helpers import annotations, evaluate

TOPIC = "AWS::SNS::Topic"
C, N = ComplianceType.COMPLIANT, ComplianceType.NON_COMPLIANT


def test_topics_not_encrypted_with_a_listed_key_are_flagged(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    sns = aws("sns")
    key = aws("kms").create_key()["KeyMetadata"]
    plain = sns.create_topic(Name="plain")["TopicArn"]
    managed = sns.create_topic(Name="managed", Attributes={"KmsMasterKeyId": "alias/aws/sns"})["TopicArn"]
    customer = sns.create_topic(Name="customer", Attributes={"KmsMasterKeyId": key["KeyId"]})["TopicArn"]

    found = evaluate(recorder, engine, "SNS_ENCRYPTED_KMS", "sns-encrypted-kms", [TOPIC])
    listed = evaluate(
        recorder, engine, "SNS_ENCRYPTED_KMS", "sns-encrypted-listed-kms", [TOPIC], {"kmsKeyIds": key["Arn"]}
    )

    assert found == {plain: N, managed: C, customer: C}
    assert listed == {plain: N, managed: N, customer: C}  # the key id matches its ARN
    assert annotations(recorder, "sns-encrypted-kms")[plain] == "The topic plain is not encrypted."
