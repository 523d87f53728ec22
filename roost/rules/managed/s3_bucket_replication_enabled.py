"""s3-bucket-replication-enabled (S3_BUCKET_REPLICATION_ENABLED): the bucket replicates.

AWS Config does not record replication in roost's bucket item, so the rule reads
GetBucketReplication. NON_COMPLIANT without a replication configuration or without an Enabled
rule. With `ReplicationType` "CRR" (cross-region) or "SRR" (same-region), an Enabled rule must
replicate to a bucket in another region, respectively the bucket's own region (the destination's
region comes from GetBucketLocation; an unreadable destination counts as neither).
"""

from __future__ import annotations

from typing import Any

from roost.errors import CloudError
from roost.model import ConfigurationItem
from roost.rules.managed._cloud_read import read, read_optional
from roost.rules.managed_rule import (
    MANAGED_RULES,
    InvalidParameterError,
    ManagedRule,
    Parameter,
    RuleContext,
    Verdict,
)


def region_of(client: Any, bucket: str) -> str | None:
    try:
        location = read(client.get_bucket_location, Bucket=bucket)
    except CloudError:
        return None
    constraint = location.get("LocationConstraint")
    return "us-east-1" if not constraint else ("eu-west-1" if constraint == "EU" else str(constraint))


@MANAGED_RULES.register("S3_BUCKET_REPLICATION_ENABLED")
class S3BucketReplicationEnabled(ManagedRule):
    identifier = "S3_BUCKET_REPLICATION_ENABLED"
    name = "s3-bucket-replication-enabled"
    resource_types = ("AWS::S3::Bucket",)
    parameters = (Parameter("ReplicationType"),)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        wanted = (ctx.params.get("ReplicationType") or "").strip().upper()
        if wanted and wanted not in ("CRR", "SRR"):
            raise InvalidParameterError(f"ReplicationType must be CRR or SRR, got {wanted!r}")
        client = ctx.client("s3")
        found = read_optional(
            client.get_bucket_replication,
            ("ReplicationConfigurationNotFoundError",),
            Bucket=item.resource_id,
        )
        rules = [r for r in ((found or {}).get("ReplicationConfiguration") or {}).get("Rules") or []]
        enabled = [r for r in rules if r.get("Status") == "Enabled"]
        if not enabled:
            return Verdict.non_compliant(f"The bucket {item.resource_id} has no enabled replication rule.")
        if not wanted:
            return Verdict.compliant()
        own = item.aws_region or ctx.source.region
        for rule in enabled:
            destination = str((rule.get("Destination") or {}).get("Bucket") or "").rsplit(":", 1)[-1]
            region = region_of(client, destination) if destination else None
            if region is not None and (region != own) == (wanted == "CRR"):
                return Verdict.compliant()
        return Verdict.non_compliant(
            f"The bucket {item.resource_id} has no enabled {wanted} replication rule."
        )
