"""cmk-backing-key-rotation-enabled (CMK_BACKING_KEY_ROTATION_ENABLED).

Periodic, per recorded customer managed KMS key: NON_COMPLIANT when automatic rotation is off
(supplementaryConfiguration.KeyRotationStatus false). Keys that cannot rotate automatically are
NOT_APPLICABLE: asymmetric and HMAC keys (keySpec other than SYMMETRIC_DEFAULT), keys with imported
material or in a custom key store (origin other than AWS_KMS), and keys pending deletion.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, RuleContext, Trigger, Verdict


@MANAGED_RULES.register("CMK_BACKING_KEY_ROTATION_ENABLED")
class CmkBackingKeyRotationEnabled(ManagedRule):
    identifier = "CMK_BACKING_KEY_ROTATION_ENABLED"
    name = "cmk-backing-key-rotation-enabled"
    resource_types = ("AWS::KMS::Key",)
    triggers = frozenset({Trigger.PERIODIC})

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        config = item.configuration or {}
        spec = config.get("keySpec") or config.get("customerMasterKeySpec") or "SYMMETRIC_DEFAULT"
        if spec != "SYMMETRIC_DEFAULT" or (config.get("origin") or "AWS_KMS") != "AWS_KMS":
            return Verdict.not_applicable("The key does not support automatic rotation.")
        if config.get("keyState") in ("PendingDeletion", "PendingReplicaDeletion"):
            return Verdict.not_applicable("The key is pending deletion.")
        if item.supplementary_configuration.get("KeyRotationStatus") is True:
            return Verdict.compliant()
        return Verdict.non_compliant("Automatic key rotation is not enabled for the key.")
