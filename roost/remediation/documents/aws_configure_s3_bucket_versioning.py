"""AWS-ConfigureS3BucketVersioning: turn a bucket's versioning on (or suspend it).

AWS's runbook is one PutBucketVersioning call (step ConfigureVersioning) with
VersioningConfiguration {MFADelete: Disabled, Status: VersioningState}. VersioningState is Enabled
by default; Suspended stops versioning new objects (a bucket's versioning can never go back to
unversioned). MFADelete is always sent as Disabled, so the runbook also turns MFA delete off on a
bucket that had it (on AWS, changing MFA delete needs the root user's MFA, so such a bucket fails
the step). There is no verification step; a missing bucket fails the step with NoSuchBucket.
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


@DOCUMENTS.register("AWS-ConfigureS3BucketVersioning")
class ConfigureS3BucketVersioning(AutomationDocument):
    name = "AWS-ConfigureS3BucketVersioning"
    description = "Configures the S3 Bucket's versioning."
    resource_types = ("AWS::S3::Bucket",)
    parameters = (
        DocumentParameter(
            "BucketName",
            "String",
            "(Required) The name of the S3 Bucket whose versioning will be configured.",
        ),
        DocumentParameter(
            "VersioningState",
            "String",
            "(Optional) Applied to the VersioningConfiguration.Status. When set to 'Enabled', this process "
            "enables versioning for the objects in the bucket, all objects added to the bucket receive a "
            "unique version ID. When set to 'Suspended', this process disables versioning for the objects "
            "in the bucket. All objects added to the bucket receive the version ID null.",
            default="Enabled",
            allowed_values=("Enabled", "Suspended"),
        ),
        assume_role_parameter(),
    )

    def run(self, automation: Automation, params: dict[str, Any]) -> None:
        with automation.step("ConfigureVersioning"):
            automation.write(
                "s3",
                "put_bucket_versioning",
                Bucket=params["BucketName"],
                VersioningConfiguration={"MFADelete": "Disabled", "Status": params["VersioningState"]},
            )
