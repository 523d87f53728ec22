"""s3-event-notifications-enabled (S3_EVENT_NOTIFICATIONS_ENABLED): the bucket notifies of events.

NON_COMPLIANT when the recorded BucketNotificationConfiguration has no notification. With
`destinationArn`, some notification must go to that SNS topic, SQS queue or Lambda function; with
`eventTypes`, every listed event type must be covered by a notification (to that destination, when
both are given); `s3:ObjectCreated:*` covers `s3:ObjectCreated:Put`.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Verdict

ARN_FIELDS = ("queueARN", "topicARN", "functionARN")


def destination(configuration: dict[str, Any]) -> str | None:
    for field in ARN_FIELDS:
        if configuration.get(field):
            return str(configuration[field])
    return None


def covers(events: list[str], wanted: str) -> bool:
    return any(e == wanted or fnmatch.fnmatchcase(wanted, e) for e in events)


@MANAGED_RULES.register("S3_EVENT_NOTIFICATIONS_ENABLED")
class S3EventNotificationsEnabled(ManagedRule):
    identifier = "S3_EVENT_NOTIFICATIONS_ENABLED"
    name = "s3-event-notifications-enabled"
    resource_types = ("AWS::S3::Bucket",)
    parameters = (Parameter("destinationArn"), Parameter("eventTypes", "CSV"))

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        found = (item.supplementary_configuration or {}).get("BucketNotificationConfiguration") or {}
        configurations = [c for c in (found.get("configurations") or {}).values() if isinstance(c, dict)]
        if not configurations:
            return Verdict.non_compliant(f"The bucket {item.resource_id} has no event notification.")
        target = (ctx.params.get("destinationArn") or "").strip()
        if target:
            configurations = [c for c in configurations if destination(c) == target]
            if not configurations:
                return Verdict.non_compliant(
                    f"The bucket {item.resource_id} sends no notification to {target}."
                )
        events = [str(e) for c in configurations for e in c.get("events") or []]
        missing = [e for e in ctx.params.get("eventTypes") or [] if not covers(events, e)]
        if missing:
            return Verdict.non_compliant(
                f"The bucket {item.resource_id} sends no notification for {', '.join(missing)}."
            )
        return Verdict.compliant()
