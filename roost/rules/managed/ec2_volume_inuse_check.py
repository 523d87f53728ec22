"""ec2-volume-inuse-check (EC2_VOLUME_INUSE_CHECK): EBS volumes are attached to an instance.

NON_COMPLIANT when the volume is attached to nothing. With `deleteOnTermination` true, also
NON_COMPLIANT when an attachment does not delete the volume on the instance's termination.
COMPLIANT otherwise.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Verdict


@MANAGED_RULES.register("EC2_VOLUME_INUSE_CHECK")
class Ec2VolumeInuseCheck(ManagedRule):
    identifier = "EC2_VOLUME_INUSE_CHECK"
    name = "ec2-volume-inuse-check"
    resource_types = ("AWS::EC2::Volume",)
    parameters = (Parameter("deleteOnTermination", "boolean"),)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        attachments = (item.configuration or {}).get("attachments") or []
        if not attachments:
            return Verdict.non_compliant(f"The volume {item.resource_id} is not attached to an instance.")
        if ctx.params.get("deleteOnTermination"):
            kept = [a.get("instanceId") for a in attachments if not a.get("deleteOnTermination")]
            if kept:
                return Verdict.non_compliant(
                    f"The volume is not deleted when {', '.join(map(str, kept))} terminates."
                )
        return Verdict.compliant()
