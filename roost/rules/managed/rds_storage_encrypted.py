"""rds-storage-encrypted (RDS_STORAGE_ENCRYPTED): DB instances encrypt their storage.

NON_COMPLIANT when the recorded instance has storageEncrypted false, or, with kmsKeyId given, when
its kmsKeyId is another key (the parameter may be a key id or a key ARN).
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Trigger, Verdict


def same_key(wanted: str, actual: str) -> bool:
    return actual == wanted or actual.rsplit("/", 1)[-1] == wanted.rsplit("/", 1)[-1]


@MANAGED_RULES.register("RDS_STORAGE_ENCRYPTED")
class RdsStorageEncrypted(ManagedRule):
    identifier = "RDS_STORAGE_ENCRYPTED"
    name = "rds-storage-encrypted"
    resource_types = ("AWS::RDS::DBInstance",)
    triggers = frozenset({Trigger.CONFIGURATION_CHANGE})
    parameters = (Parameter("kmsKeyId"),)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        config = item.configuration or {}
        if not config.get("storageEncrypted"):
            return Verdict.non_compliant("The DB instance's storage is not encrypted.")
        wanted = ctx.params.get("kmsKeyId")
        if wanted and not same_key(str(wanted), str(config.get("kmsKeyId") or "")):
            return Verdict.non_compliant(f"The DB instance's storage is not encrypted with {wanted}.")
        return Verdict.compliant()
