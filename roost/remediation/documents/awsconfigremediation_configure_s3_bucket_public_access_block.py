"""AWSConfigRemediation-ConfigureS3BucketPublicAccessBlock: set one bucket's Block Public Access.

AWS's runbook puts the bucket's PublicAccessBlock configuration with the four given flags (each true
by default) in step PutBucketPublicAccessBlock, then, in step GetBucketPublicAccessBlock, reads the
configuration back and fails unless all four flags are what was asked for. AutomationAssumeRole is
required in this runbook (as in every AWSConfigRemediation-* runbook). Quirks kept: the put replaces
the whole configuration, so a flag given as false turns that protection off; the bucket's ACLs and
policy are left as they are. In a dry run the put is only planned, so the read-back is not checked
(it would see the unchanged bucket).
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

BUCKET_NAME_PATTERN = (
    r"(?=^.{3,63}$)(?!^(\d+\.)+\d+$)"
    r"(^(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])$)"
)
FLAGS = ("RestrictPublicBuckets", "BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy")


@DOCUMENTS.register("AWSConfigRemediation-ConfigureS3BucketPublicAccessBlock")
class ConfigureS3BucketPublicAccessBlock(AutomationDocument):
    name = "AWSConfigRemediation-ConfigureS3BucketPublicAccessBlock"
    description = "Creates or modifies the PublicAccessBlock configuration for an Amazon S3 bucket."
    resource_types = ("AWS::S3::Bucket",)
    parameters = (
        DocumentParameter(
            "BucketName",
            "String",
            "(Required) The bucket name (not the ARN).",
            allowed_pattern=BUCKET_NAME_PATTERN,
        ),
        DocumentParameter(
            "RestrictPublicBuckets",
            "Boolean",
            "(Optional) Specifies whether Amazon S3 should restrict public bucket policies for this bucket. "
            "Setting this element to TRUE restricts access to this bucket to only AWS services and "
            "authorized users within this account if the bucket has a public policy.",
            default="true",
        ),
        DocumentParameter(
            "BlockPublicAcls",
            "Boolean",
            "(Optional) Specifies whether Amazon S3 should block public access control lists (ACLs) for "
            "this bucket and objects in this bucket.",
            default="true",
        ),
        DocumentParameter(
            "IgnorePublicAcls",
            "Boolean",
            "(Optional) Specifies whether Amazon S3 should ignore public ACLs for this bucket and objects "
            "in this bucket.",
            default="true",
        ),
        DocumentParameter(
            "BlockPublicPolicy",
            "Boolean",
            "(Optional) Specifies whether Amazon S3 should block public bucket policies for this bucket.",
            default="true",
        ),
        assume_role_parameter(required=True),
    )

    def run(self, automation: Automation, params: dict[str, Any]) -> None:
        bucket: str = params["BucketName"]
        wanted = {flag: bool(params[flag]) for flag in FLAGS}
        with automation.step("PutBucketPublicAccessBlock"):
            automation.write(
                "s3", "put_public_access_block", Bucket=bucket, PublicAccessBlockConfiguration=dict(wanted)
            )
        with automation.step("GetBucketPublicAccessBlock"):
            if automation.dry_run:
                return
            found = automation.read("s3", "get_public_access_block", Bucket=bucket)
            applied = found.get("PublicAccessBlockConfiguration") or {}
            if any(bool(applied.get(flag)) != value for flag, value in wanted.items()):
                raise DocumentFailure(
                    "VERIFICATION FAILED. THE PUBLIC ACCESS BLOCK CONFIGURATION OF THE BUCKET "
                    f"{bucket} DOES NOT MATCH THE PARAMETERS: asked "
                    + ", ".join(f"{flag}={wanted[flag]}" for flag in FLAGS)
                    + "; found "
                    + ", ".join(f"{flag}={bool(applied.get(flag))}" for flag in FLAGS)
                    + "."
                )
