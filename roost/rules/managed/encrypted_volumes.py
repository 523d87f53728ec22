"""encrypted-volumes (ENCRYPTED_VOLUMES): attached EBS volumes are encrypted.

NOT_APPLICABLE for a volume attached to nothing (AWS evaluates attached volumes only).
NON_COMPLIANT when an attached volume is unencrypted, or when `kmsId` is given and the volume's
key is another one. `kmsId` may be a key id, a key ARN, or an alias (`alias/NAME` or its ARN),
which is resolved with KMS DescribeKey of the evaluated account and region.
"""

from __future__ import annotations

import botocore.exceptions

from roost.cloud import describe_error
from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Verdict


def key_id(value: str) -> str:
    """`arn:...:key/ID` or `ID` -> `ID`."""
    return value.rsplit(":key/", 1)[-1]


@MANAGED_RULES.register("ENCRYPTED_VOLUMES")
class EncryptedVolumes(ManagedRule):
    identifier = "ENCRYPTED_VOLUMES"
    name = "encrypted-volumes"
    resource_types = ("AWS::EC2::Volume",)
    parameters = (Parameter("kmsId"),)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        config = item.configuration or {}
        if not config.get("attachments"):
            return Verdict.not_applicable("The volume is not attached to an instance.")
        if not config.get("encrypted"):
            return Verdict.non_compliant(f"The attached volume {item.resource_id} is not encrypted.")
        wanted = ctx.params.get("kmsId")
        if not wanted:
            return Verdict.compliant()
        actual = str(config.get("kmsKeyId") or "")
        if "alias/" in wanted:
            try:
                wanted = ctx.client("kms").describe_key(KeyId=wanted)["KeyMetadata"]["KeyId"]
            except botocore.exceptions.ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "NotFoundException":
                    return Verdict.non_compliant(f"The KMS key {wanted} does not exist.")
                raise describe_error(exc) from None
            except botocore.exceptions.BotoCoreError as exc:
                raise describe_error(exc) from None
        if key_id(actual) == key_id(str(wanted)):
            return Verdict.compliant()
        return Verdict.non_compliant(
            f"The volume is encrypted with {actual or 'an unknown key'}, not {wanted}."
        )
