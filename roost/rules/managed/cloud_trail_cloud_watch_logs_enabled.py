"""cloud-trail-cloud-watch-logs-enabled (CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED).

Periodic, per recorded trail: NON_COMPLIANT when the trail has no cloudWatchLogsLogGroupArn. With
`expectedDeliveryWindowAge` (hours), the trail must also have delivered to CloudWatch Logs within
that window: the delivery time is not recorded, so the rule asks CloudTrail (GetTrailStatus
LatestCloudWatchLogsDeliveryTime), as AWS's rule does; no delivery at all is NON_COMPLIANT.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from roost.model import ConfigurationItem
from roost.recorder.collector import call
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Trigger, Verdict


@MANAGED_RULES.register("CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED")
class CloudTrailCloudWatchLogsEnabled(ManagedRule):
    identifier = "CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED"
    name = "cloud-trail-cloud-watch-logs-enabled"
    resource_types = ("AWS::CloudTrail::Trail",)
    triggers = frozenset({Trigger.PERIODIC})
    parameters = (Parameter("expectedDeliveryWindowAge", "int"),)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        config = item.configuration or {}
        if not config.get("cloudWatchLogsLogGroupArn"):
            return Verdict.non_compliant("The trail does not send its events to CloudWatch Logs.")
        window = ctx.params.get("expectedDeliveryWindowAge")
        if window is None:
            return Verdict.compliant()
        trail = config.get("trailARN") or item.arn or item.resource_id
        status = call(ctx.client("cloudtrail").get_trail_status, Name=trail)
        delivered = status.get("LatestCloudWatchLogsDeliveryTime")
        if not isinstance(delivered, datetime):
            return Verdict.non_compliant("The trail has never delivered to CloudWatch Logs.")
        if delivered.tzinfo is None:
            delivered = delivered.replace(tzinfo=UTC)
        if ctx.now - delivered > timedelta(hours=int(window)):
            return Verdict.non_compliant(
                f"The trail last delivered to CloudWatch Logs more than {window} hours ago."
            )
        return Verdict.compliant()
