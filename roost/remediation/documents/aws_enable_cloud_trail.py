"""AWS-EnableCloudTrail: create a trail delivering to an S3 bucket, and start it logging.

AWS's runbook calls CreateTrail with only Name and S3BucketName (step CreateTrail), so the trail gets
CloudTrail's defaults: a single-region trail in the execution's region, global service events
included, no log file validation, no KMS key and no CloudWatch Logs; then StartLogging (step
StartLogging), since a new trail does not log until started. The bucket must exist and its policy
must let CloudTrail write to it: CloudTrail answers S3BucketDoesNotExistException or
InsufficientS3BucketPolicyException and the first step fails; a trail of that name already there
fails it with TrailAlreadyExistsException (the runbook does not adopt an existing trail).
"""

from __future__ import annotations

from typing import Any

from roost.remediation.document import (
    DOCUMENTS,
    Automation,
    AutomationDocument,
    DocumentParameter,
    assume_role_parameter,
)


@DOCUMENTS.register("AWS-EnableCloudTrail")
class EnableCloudTrail(AutomationDocument):
    name = "AWS-EnableCloudTrail"
    description = "Create a CloudTrail trail and configure logging to an S3 bucket."
    resource_types = ("AWS::::Account",)
    """What it fixes: an account (cloudtrail-enabled evaluates AWS::::Account); TrailName is a new name."""
    parameters = (
        DocumentParameter("TrailName", "String", "(Required) The name of the new trail."),
        DocumentParameter(
            "S3BucketName",
            "String",
            "(Required) Name of the Amazon S3 bucket designated for publishing log files.",
        ),
        assume_role_parameter(),
    )

    def run(self, automation: Automation, params: dict[str, Any]) -> None:
        trail: str = params["TrailName"]
        with automation.step("CreateTrail"):
            automation.write("cloudtrail", "create_trail", Name=trail, S3BucketName=params["S3BucketName"])
        with automation.step("StartLogging"):
            automation.write("cloudtrail", "start_logging", Name=trail)
