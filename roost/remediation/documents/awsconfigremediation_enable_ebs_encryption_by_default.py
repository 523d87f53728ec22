"""AWSConfigRemediation-EnableEbsEncryptionByDefault: encrypt new EBS volumes, account-wide, in a region.

AWS's runbook calls EnableEbsEncryptionByDefault (step ModifyAccount) and then asserts with
GetEbsEncryptionByDefault that EbsEncryptionByDefault is true (step VerifyEbsEncryptionByDefault, an
aws:assertAwsResourceProperty). The setting is per account and per region: it acts in the region the
execution runs in, and it only affects volumes created afterwards (existing unencrypted volumes stay
as they are). Enabling it when it is already on is harmless, so the runbook does not check first. It
takes no parameter but AutomationAssumeRole, which is required. In a dry run the change is only
planned, so the assertion is not made.
"""

from __future__ import annotations

from typing import Any

from roost.remediation.document import (
    DOCUMENTS,
    Automation,
    AutomationDocument,
    DocumentFailure,
    assume_role_parameter,
)


@DOCUMENTS.register("AWSConfigRemediation-EnableEbsEncryptionByDefault")
class EnableEbsEncryptionByDefault(AutomationDocument):
    name = "AWSConfigRemediation-EnableEbsEncryptionByDefault"
    description = "Enables EBS encryption by default for an AWS account in the current region."
    resource_types = ("AWS::::Account",)
    """What it fixes: the account (ec2-ebs-encryption-by-default evaluates AWS::::Account)."""
    parameters = (assume_role_parameter(required=True),)

    def run(self, automation: Automation, params: dict[str, Any]) -> None:
        with automation.step("ModifyAccount"):
            automation.write("ec2", "enable_ebs_encryption_by_default")
        with automation.step("VerifyEbsEncryptionByDefault"):
            if automation.dry_run:
                return
            enabled = automation.read("ec2", "get_ebs_encryption_by_default").get("EbsEncryptionByDefault")
            if enabled is not True:
                raise DocumentFailure(
                    f"EBS encryption by default is not enabled: EbsEncryptionByDefault is {enabled!r}, "
                    "expected True."
                )
