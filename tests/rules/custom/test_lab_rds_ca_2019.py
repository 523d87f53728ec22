# ruff: noqa: E501  (the lab's function is kept byte for byte, long line included)
"""Lab part 2: the rds-ca-2019 custom rule, its function exactly as the lab prints it."""

from __future__ import annotations

from typing import Any

from tests.conftest import SOURCE
from tests.rules.custom.conftest import Stack, wait_for
from tests.rules.managed.rule_helpers import create_db

# ../shared/lab/LAB.md, part 2, step 2: byte for byte (the misspelt variable included).
LAB_FUNCTION = """import json
import boto3
from datetime import datetime

def lambda_handler(event, context):
    reseultToken = event['resultToken']
    config = boto3.client('config')
    rds = boto3.client('rds')
    evaluations = []
    dbinstances = rds.describe_db_instances()
    for dbinstance in dbinstances['DBInstances']:
        compliance_type = 'COMPLIANT' if dbinstance['CACertificateIdentifier'] == 'rds-ca-2019' else 'NON_COMPLIANT'
        evaluation = {
            'ComplianceResourceType': 'AWS::RDS::DBInstance',
            'ComplianceResourceId': dbinstance['DbiResourceId'],
            'ComplianceType': compliance_type,
            'OrderingTimestamp': datetime.now()
        }
        evaluations.append(evaluation)
    response = config.put_evaluations(
        Evaluations=evaluations,
        ResultToken=reseultToken
    )
"""


def test_the_lab_function_judges_every_instance_by_its_certificate_authority(stack: Stack, aws: Any) -> None:
    rds = aws("rds")
    on_2019 = create_db(rds, "db-on-2019", CACertificateIdentifier="rds-ca-2019")
    on_2015 = create_db(rds, "db-on-2015", CACertificateIdentifier="rds-ca-2015")
    lam = stack.client("lambda")
    created = lam.create_function(
        FunctionName="rds-ca-2019",
        Runtime="python3.8",  # as the lab says: roost runs it on its own Python 3
        Role="arn:aws:iam::123456789012:role/rds-ca-2019-role",
        Handler="lambda_function.lambda_handler",
        Code={"ZipFile": _zip(LAB_FUNCTION)},
        Timeout=30,
    )
    stack.client("config").put_config_rule(
        ConfigRule={
            "ConfigRuleName": "rds-ca-2019",
            "Source": {
                "Owner": "CUSTOM_LAMBDA",
                "SourceIdentifier": created["FunctionArn"],
                "SourceDetails": [
                    {
                        "EventSource": "aws.config",
                        "MessageType": "ScheduledNotification",
                        "MaximumExecutionFrequency": "TwentyFour_Hours",
                    }
                ],
            },
        }
    )
    found = wait_for(lambda: len(stack.compliance("rds-ca-2019")) == 2 and stack.compliance("rds-ca-2019"))
    assert found == {on_2019: "COMPLIANT", on_2015: "NON_COMPLIANT"}
    summary = stack.client("config").describe_compliance_by_config_rule(ConfigRuleNames=["rds-ca-2019"])
    assert summary["ComplianceByConfigRules"][0]["Compliance"]["ComplianceType"] == "NON_COMPLIANT"
    status = wait_for(
        lambda: (
            stack.status("rds-ca-2019").get("LastSuccessfulInvocationTime") and stack.status("rds-ca-2019")
        )
    )
    assert "LastErrorCode" not in status
    # The function's run is in its log, as CloudWatch would show it.
    (entry,) = stack.host.logs(SOURCE, "rds-ca-2019")
    assert entry.trigger == "config-rule/rds-ca-2019"
    assert entry.log.startswith("START RequestId: ") and "REPORT RequestId: " in entry.log


def _zip(code: str) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lambda_function.py", code)
    return buffer.getvalue()
