"""AWS-DisableS3BucketPublicReadWrite: block every kind of public access to one bucket.

AWS's runbook is one PutPublicAccessBlock call (step PutPublicAccessBlock) turning all four of the
bucket's Block Public Access settings on: BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy and
RestrictPublicBuckets. It does not remove public ACLs or policy statements: they stay on the bucket
and S3 ignores or restricts them. The call replaces the bucket's whole public access block. There is
no verification step; a missing bucket fails the step with NoSuchBucket.
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

BLOCK_EVERYTHING = {
    "RestrictPublicBuckets": True,
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
}


@DOCUMENTS.register("AWS-DisableS3BucketPublicReadWrite")
class DisableS3BucketPublicReadWrite(AutomationDocument):
    name = "AWS-DisableS3BucketPublicReadWrite"
    description = "Disables S3 Bucket's public Write and Read access via private ACL."
    resource_types = ("AWS::S3::Bucket",)
    parameters = (
        DocumentParameter("S3BucketName", "String", "(Required) S3 Bucket subject to access restriction"),
        assume_role_parameter(),
    )

    def run(self, automation: Automation, params: dict[str, Any]) -> None:
        with automation.step("PutPublicAccessBlock"):
            automation.write(
                "s3",
                "put_public_access_block",
                Bucket=params["S3BucketName"],
                PublicAccessBlockConfiguration=dict(BLOCK_EVERYTHING),
            )
