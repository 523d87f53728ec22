from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.conftest import managed_rule
from tests.rules.managed.rule_helpers import results_via_api


def make_instance(rds: Any, name: str, **extra: Any) -> str:
    instance = rds.create_db_instance(
        DBInstanceIdentifier=name,
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="admin_user",
        MasterUserPassword="not-a-real-password",
        AllocatedStorage=20,
        **extra,
    )["DBInstance"]
    return str(instance["DbiResourceId"])


def test_unencrypted_instances_and_other_keys_are_non_compliant(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    rds, kms = aws("rds"), aws("kms")
    key = kms.create_key()["KeyMetadata"]
    other = kms.create_key()["KeyMetadata"]
    plain = make_instance(rds, "plain")
    encrypted = make_instance(rds, "encrypted", StorageEncrypted=True, KmsKeyId=key["Arn"])
    elsewhere = make_instance(rds, "elsewhere", StorageEncrypted=True, KmsKeyId=other["Arn"])
    recorder.record_pass(SOURCE, resource_types=["AWS::RDS::DBInstance"])
    rule = managed_rule("RDS_STORAGE_ENCRYPTED", name="rds-storage-encrypted")
    pinned = dataclasses.replace(
        managed_rule("RDS_STORAGE_ENCRYPTED", name="pinned", parameters={"kmsKeyId": key["KeyId"]}),
        rule_id="config-rule-pinned",
    )
    for r in (rule, pinned):
        recorder.store.rules.put(r, now=recorder.clock.now())

    engine.evaluate_rule(rule)
    engine.evaluate_rule(pinned)

    def results(name: str) -> dict[str, ComplianceType]:
        return {r.resource_id: r.compliance_type for r in results_via_api(recorder.store, name)}

    assert results(rule.name) == {
        plain: ComplianceType.NON_COMPLIANT,
        encrypted: ComplianceType.COMPLIANT,
        elsewhere: ComplianceType.COMPLIANT,
    }
    assert results(pinned.name) == {
        plain: ComplianceType.NON_COMPLIANT,
        encrypted: ComplianceType.COMPLIANT,
        elsewhere: ComplianceType.NON_COMPLIANT,
    }
