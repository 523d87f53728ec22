"""AWS-EnableS3BucketEncryption: set a bucket's default server-side encryption.

AWS's runbook makes one PutBucketEncryption call (step PutBucketEncryption) with a single rule
applying SSEAlgorithm by default: AES256 (SSE-S3) unless told aws:kms. With aws:kms and a
KMSMasterKey, that key is the bucket's default key; with aws:kms and no key, S3 uses the account's
AWS managed key (aws/s3); with AES256 a KMSMasterKey is ignored. S3 does not check the key when the
configuration is put, and the call replaces whatever default encryption the bucket had. There is no
verification step: a bucket that does not exist fails the step with NoSuchBucket.
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


@DOCUMENTS.register("AWS-EnableS3BucketEncryption")
class EnableS3BucketEncryption(AutomationDocument):
    name = "AWS-EnableS3BucketEncryption"
    description = "Enables server-side encryption on an S3 Bucket."
    resource_types = ("AWS::S3::Bucket",)
    parameters = (
        DocumentParameter(
            "BucketName", "String", "(Required) The name of the S3 Bucket whose content will be encrypted."
        ),
        DocumentParameter(
            "SSEAlgorithm",
            "String",
            "(Optional) Server-side encryption algorithm to use for the default encryption.",
            default="AES256",
            allowed_values=("AES256", "aws:kms"),
        ),
        DocumentParameter(
            "KMSMasterKey",
            "String",
            "(Optional) The ARN, key ID or alias of the AWS KMS key to use for the default encryption. "
            "Ignored when SSEAlgorithm is AES256.",
            default="",
        ),
        assume_role_parameter(),
    )

    def run(self, automation: Automation, params: dict[str, Any]) -> None:
        by_default: dict[str, str] = {"SSEAlgorithm": params["SSEAlgorithm"]}
        if params["SSEAlgorithm"] == "aws:kms" and params["KMSMasterKey"]:
            by_default["KMSMasterKeyID"] = params["KMSMasterKey"]
        with automation.step("PutBucketEncryption"):
            automation.write(
                "s3",
                "put_bucket_encryption",
                Bucket=params["BucketName"],
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": by_default}]
                },
            )
