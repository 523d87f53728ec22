from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.rules.managed.rule_helpers import annotations, evaluate

TABLE = "AWS::DynamoDB::Table"
C, N = ComplianceType.COMPLIANT, ComplianceType.NON_COMPLIANT


def test_tables_not_encrypted_with_a_listed_kms_key_are_flagged(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    dynamodb = aws("dynamodb")
    key = aws("kms").create_key()["KeyMetadata"]

    def make(name: str, **extra: Any) -> None:
        dynamodb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            **extra,
        )

    make("default")
    make("aws-managed", SSESpecification={"Enabled": True, "SSEType": "KMS"})
    make("customer", SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key["Arn"]})

    found = evaluate(
        recorder, engine, "DYNAMODB_TABLE_ENCRYPTED_KMS", "dynamodb-table-encrypted-kms", [TABLE]
    )
    listed = evaluate(
        recorder, engine, "DYNAMODB_TABLE_ENCRYPTED_KMS", "dynamodb-table-encrypted-listed-kms", [TABLE],
        {"kmsKeyArns": key["Arn"]},
    )  # fmt: skip

    assert found == {"default": N, "aws-managed": C, "customer": C}
    assert listed == {"default": N, "aws-managed": N, "customer": C}
    assert annotations(recorder, "dynamodb-table-encrypted-kms")["default"] == (
        "The table default is not encrypted with AWS KMS."
    )
