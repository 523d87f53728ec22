"""s3-lifecycle-policy-check (S3_LIFECYCLE_POLICY_CHECK): the bucket has a lifecycle rule.

The bucket item does not carry lifecycle rules, so the rule reads GetBucketLifecycleConfiguration.
With `bucketNames`, buckets not listed are NOT_APPLICABLE. NON_COMPLIANT without an Enabled
lifecycle rule matching every given target: `targetPrefix` (the rule's prefix, from Filter.Prefix,
Filter.And.Prefix or the legacy Prefix), `targetExpirationDays` (Expiration.Days), and
`targetTransitionDays` / `targetTransitionStorageClass` (one Transition with those days and class).
"""

from __future__ import annotations

from typing import Any

from roost.model import ConfigurationItem
from roost.rules.managed._cloud_read import read_optional
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Verdict


def prefix_of(rule: dict[str, Any]) -> str:
    found = rule.get("Filter") or {}
    prefix = found.get("Prefix")
    if prefix is None:
        prefix = (found.get("And") or {}).get("Prefix")
    if prefix is None:
        prefix = rule.get("Prefix")
    return str(prefix or "")


def fits(rule: dict[str, Any], params: dict[str, Any]) -> bool:
    if rule.get("Status") != "Enabled":
        return False
    if params.get("targetPrefix") is not None and prefix_of(rule) != params["targetPrefix"]:
        return False
    days = params.get("targetExpirationDays")
    if days is not None and (rule.get("Expiration") or {}).get("Days") != days:
        return False
    transition_days = params.get("targetTransitionDays")
    storage_class = params.get("targetTransitionStorageClass")
    if transition_days is None and storage_class is None:
        return True
    return any(
        (transition_days is None or t.get("Days") == transition_days)
        and (storage_class is None or str(t.get("StorageClass")) == storage_class)
        for t in rule.get("Transitions") or []
    )


@MANAGED_RULES.register("S3_LIFECYCLE_POLICY_CHECK")
class S3LifecyclePolicyCheck(ManagedRule):
    identifier = "S3_LIFECYCLE_POLICY_CHECK"
    name = "s3-lifecycle-policy-check"
    resource_types = ("AWS::S3::Bucket",)
    parameters = (
        Parameter("targetTransitionDays", "int"),
        Parameter("targetExpirationDays", "int"),
        Parameter("targetTransitionStorageClass"),
        Parameter("targetPrefix"),
        Parameter("bucketNames", "CSV"),
    )

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        names = ctx.params.get("bucketNames") or []
        if names and item.resource_id not in names:
            return Verdict.not_applicable()
        found = read_optional(
            ctx.client("s3").get_bucket_lifecycle_configuration,
            ("NoSuchLifecycleConfiguration",),
            Bucket=item.resource_id,
        )
        rules = (found or {}).get("Rules") or []
        if any(fits(rule, ctx.params) for rule in rules):
            return Verdict.compliant()
        if not rules:
            return Verdict.non_compliant(f"The bucket {item.resource_id} has no lifecycle rule.")
        return Verdict.non_compliant(
            f"No enabled lifecycle rule of {item.resource_id} matches the rule's parameters."
        )
