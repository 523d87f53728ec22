"""cloudtrail-enabled (CLOUD_TRAIL_ENABLED): a CloudTrail trail is logging in the account.

Account-level and periodic: one verdict for AWS::::Account. COMPLIANT when some trail visible in the
region (its own, or a multi-region trail of another region) is logging (GetTrailStatus IsLogging)
and matches every parameter given: s3BucketName, snsTopicArn, cloudWatchLogsLogGroupArn.
Logging status is not recorded, so the rule asks CloudTrail, as AWS's does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from roost.compliance import ComplianceType
from roost.errors import CloudError
from roost.model import ConfigurationItem
from roost.recorder.collector import call, is_not_found
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Trigger, Verdict

ACCOUNT = "AWS::::Account"
#: parameter -> DescribeTrails field it must equal
MATCHED = {
    "s3BucketName": "S3BucketName",
    "snsTopicArn": "SnsTopicARN",
    "cloudWatchLogsLogGroupArn": "CloudWatchLogsLogGroupArn",
}


def matches(trail: dict[str, Any], params: dict[str, Any]) -> bool:
    return all(not params.get(name) or trail.get(field) == params[name] for name, field in MATCHED.items())


@MANAGED_RULES.register("CLOUD_TRAIL_ENABLED")
class CloudTrailEnabled(ManagedRule):
    identifier = "CLOUD_TRAIL_ENABLED"
    name = "cloudtrail-enabled"
    resource_types = ()
    triggers = frozenset({Trigger.PERIODIC})
    parameters = tuple(Parameter(name) for name in MATCHED)

    def evaluate_periodic(self, ctx: RuleContext, items: Sequence[ConfigurationItem]) -> list[Verdict]:
        account = ctx.source.account_id
        client = ctx.client("cloudtrail")
        trails = call(client.describe_trails, includeShadowTrails=True).get("trailList") or []
        for trail in trails:
            if not matches(trail, ctx.params):
                continue
            try:
                status = call(client.get_trail_status, Name=trail.get("TrailARN") or trail["Name"])
            except CloudError as error:
                if is_not_found(error):  # deleted meanwhile
                    continue
                raise
            if status.get("IsLogging"):
                return [Verdict(ComplianceType.COMPLIANT, None, ACCOUNT, account)]
        wanted = [f"{name}={ctx.params[name]}" for name in MATCHED if ctx.params.get(name)]
        annotation = "No CloudTrail trail is logging" + (f" with {', '.join(wanted)}." if wanted else ".")
        return [Verdict(ComplianceType.NON_COMPLIANT, annotation, ACCOUNT, account)]
