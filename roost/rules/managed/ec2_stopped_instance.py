"""ec2-stopped-instance (EC2_STOPPED_INSTANCE): no instance stays stopped beyond AllowedDays.

Periodic, per recorded instance: NON_COMPLIANT when the instance is stopped and has been for more
than `AllowedDays` (default 30) days; running, pending and stopping instances are COMPLIANT. The
stop time is read from stateTransitionReason ("User initiated (2026-01-02 03:04:05 GMT)"), as EC2
reports it; when that carries no time, the capture time of the oldest recorded item of the current
stopped spell stands in.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from roost.model import ConfigurationItem, ResourceKey
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Trigger, Verdict

STOP_TIME = re.compile(r"\((\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?: (?:GMT|UTC))?\)")


def state_name(item: ConfigurationItem) -> str | None:
    state = (item.configuration or {}).get("state") or {}
    return str(state.get("name")) if isinstance(state, dict) and state.get("name") else None


def stopped_since(item: ConfigurationItem, ctx: RuleContext) -> datetime:
    reason = str((item.configuration or {}).get("stateTransitionReason") or "")
    if match := STOP_TIME.search(reason):
        return datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    since = item.capture_time
    history = ctx.store.items.history(ctx.source, ResourceKey(item.resource_type, item.resource_id))
    for earlier in sorted(history, key=lambda i: i.capture_time, reverse=True):
        if earlier.capture_time > item.capture_time:
            continue
        if state_name(earlier) != "stopped":
            break
        since = earlier.capture_time
    return since


@MANAGED_RULES.register("EC2_STOPPED_INSTANCE")
class Ec2StoppedInstance(ManagedRule):
    identifier = "EC2_STOPPED_INSTANCE"
    name = "ec2-stopped-instance"
    resource_types = ("AWS::EC2::Instance",)
    triggers = frozenset({Trigger.PERIODIC})
    parameters = (Parameter("AllowedDays", "int", "30"),)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        if state_name(item) != "stopped":
            return Verdict.compliant()
        allowed = int(ctx.params.get("AllowedDays") or 0)
        since = stopped_since(item, ctx)
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        if ctx.now - since > timedelta(days=allowed):
            return Verdict.non_compliant(f"The instance has been stopped for more than {allowed} days.")
        return Verdict.compliant()
