"""AWSConfigRemediation-EnableCloudTrailLogFileValidation: turn on a trail's log file validation.

AWS's runbook calls UpdateTrail with EnableLogFileValidation=true (step UpdateTrail), then asserts
with GetTrail that the trail's LogFileValidationEnabled is true (step VerifyTrail, an
aws:assertAwsResourceProperty: it fails when the property is anything else). TrailName may be the
trail's name or ARN; a trail of another region has to be named by its ARN (UpdateTrail must then be
called in the trail's home region, else CloudTrail answers InvalidHomeRegionException). A trail that
does not exist fails UpdateTrail with TrailNotFoundException. AutomationAssumeRole is required. In a
dry run the update is only planned, so the assertion is not made.
"""

from __future__ import annotations

from typing import Any

from roost.remediation.document import (
    DOCUMENTS,
    Automation,
    AutomationDocument,
    DocumentFailure,
    DocumentParameter,
    assume_role_parameter,
)

TRAIL_NAME_PATTERN = (
    r"^[\w][\w\.,\-_/]+[\w]$"
    r"|^arn:(aws[a-zA-Z-]*)?:cloudtrail:[a-z0-9-]+:\d{12}:trail/[\w][\w\.,\-_/]+[\w]$"
)


@DOCUMENTS.register("AWSConfigRemediation-EnableCloudTrailLogFileValidation")
class EnableCloudTrailLogFileValidation(AutomationDocument):
    name = "AWSConfigRemediation-EnableCloudTrailLogFileValidation"
    description = "Enables log file validation for an AWS CloudTrail trail."
    resource_types = ("AWS::CloudTrail::Trail",)
    parameters = (
        DocumentParameter(
            "TrailName",
            "String",
            "(Required) The name or Amazon Resource Name (ARN) of the trail you want to enable log file "
            "validation for.",
            allowed_pattern=TRAIL_NAME_PATTERN,
        ),
        assume_role_parameter(required=True),
    )

    def run(self, automation: Automation, params: dict[str, Any]) -> None:
        trail: str = params["TrailName"]
        with automation.step("UpdateTrail"):
            automation.write("cloudtrail", "update_trail", Name=trail, EnableLogFileValidation=True)
        with automation.step("VerifyTrail"):
            if automation.dry_run:
                return
            found = automation.read("cloudtrail", "get_trail", Name=trail).get("Trail") or {}
            if found.get("LogFileValidationEnabled") is not True:
                raise DocumentFailure(
                    f"Log file validation is not enabled on the trail {trail}: its LogFileValidationEnabled "
                    f"is {found.get('LogFileValidationEnabled')!r}, expected True."
                )
