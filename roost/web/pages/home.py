"""The dashboard's front page: compliance at a glance, inventory, recording and recent changes."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from starlette.responses import Response

from roost.clock import to_millis
from roost.model import AccountRegion
from roost.web.app import Page, page

COMPLIANCE_TYPE = "AWS::Config::ResourceCompliance"
TIMELINE_ITEMS = 5000


@page("/", nav="Dashboard")
def home(p: Page) -> Response:
    rules = p.call("DescribeComplianceByConfigRule").get("ComplianceByConfigRules", [])
    rule_counts = Counter(r["Compliance"]["ComplianceType"] for r in rules)
    by_resource = _all_pages(p, "DescribeComplianceByResource", "ComplianceByResources", Limit=100)
    resource_counts = Counter(r["Compliance"]["ComplianceType"] for r in by_resource)
    non_compliant_by_type = Counter(
        r["ResourceType"] for r in by_resource if r["Compliance"]["ComplianceType"] == "NON_COMPLIANT"
    )
    worst = sorted(
        (r for r in rules if r["Compliance"]["ComplianceType"] == "NON_COMPLIANT"),
        key=lambda r: -int((r["Compliance"].get("ComplianceContributorCount") or {}).get("CappedCount", 0)),
    )[:5]
    inventory = p.call("GetDiscoveredResourceCounts").get("resourceCounts", [])
    recorders = p.call("DescribeConfigurationRecorderStatus").get("ConfigurationRecordersStatus", [])
    channels = p.call("DescribeDeliveryChannelStatus").get("DeliveryChannelsStatus", [])
    source = AccountRegion(p.caller.account_id, p.caller.region)
    recent = [i for i in p.store.items.recent(source, limit=40) if i.resource_type != COMPLIANCE_TYPE][:15]
    return p.render(
        "home.html",
        active="Dashboard",
        rules=rules,
        rule_counts=rule_counts,
        resource_counts=resource_counts,
        non_compliant_by_type=non_compliant_by_type.most_common(),
        worst=worst,
        inventory=sorted(inventory, key=lambda c: -int(c["count"])),
        total=sum(int(c["count"]) for c in inventory),
        recorders=recorders,
        channels=channels,
        recent=recent,
        chart=compliance_chart(p, source),
    )


def _all_pages(p: Page, operation: str, member: str, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    token: str | None = None
    for _ in range(50):  # at most 5,000 rows on the front page
        answer = p.call(operation, **params, **({"NextToken": token} if token else {}))
        found += answer.get(member, [])
        token = answer.get("NextToken")
        if not token:
            break
    return found


def compliance_chart(p: Page, source: AccountRegion) -> dict[str, Any]:
    """Non-compliant resources over time, rebuilt from the compliance history AWS Config keeps as
    AWS::Config::ResourceCompliance items: an SVG polyline's points and its axis labels."""
    items = list(reversed(p.store.items.recent(source, limit=TIMELINE_ITEMS, resource_type=COMPLIANCE_TYPE)))
    state: dict[str, bool] = {}
    points: list[tuple[int, int]] = []
    for item in items:
        flagged = (item.configuration or {}).get(
            "complianceType"
        ) == "NON_COMPLIANT" and not item.status.is_deletion
        state[item.resource_id] = flagged
        points.append((to_millis(item.capture_time), sum(state.values())))
    if not points:
        return {"points": "", "empty": True}
    now = to_millis(datetime.now(UTC))
    points.append((now, points[-1][1]))
    start, end = points[0][0], max(now, points[0][0] + 1)
    top = max(1, max(n for _, n in points))
    width, height = 640, 140

    def xy(t: int, n: int) -> str:
        return f"{(t - start) / (end - start) * width:.1f},{height - n / top * (height - 10):.1f}"

    steps: list[str] = []
    last = points[0][1]
    for t, n in points:  # a step chart: the count holds until the next change
        steps.append(xy(t, last))
        steps.append(xy(t, n))
        last = n
    return {
        "points": " ".join(steps),
        "empty": False,
        "top": top,
        "now": points[-1][1],
        "start": datetime.fromtimestamp(start / 1000, tz=UTC),
        "end": datetime.fromtimestamp(end / 1000, tz=UTC),
        "width": width,
        "height": height,
    }
