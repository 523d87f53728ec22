"""The inventory: what is recorded in the signed-in account and the chosen region, counted per type
(GetDiscoveredResourceCounts) and listed (ListDiscoveredResources), filtered by type, tag and
compliance (DescribeComplianceByResource).

Tags are not in ListDiscoveredResources' answer, so a listed page's tags come from the store in one
query per type (the newest item of each resource on the page). Filters apply to what is scanned: a
page scans at most a few API pages and says so, and "Next" carries on from where the scan stopped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from starlette.responses import Response

from roost.model import AccountRegion, ResourceKey
from roost.web.app import Page, page

PAGE_SIZE = 50
"""Rows a page aims at (ListDiscoveredResources' limit per call)."""
MAX_SCANNED_CALLS = 10
"""ListDiscoveredResources calls one page makes at most when filters hide rows."""
COMPLIANCE_CHOICES = ("COMPLIANT", "NON_COMPLIANT", "INSUFFICIENT_DATA")


def resource_url(resource_type: str, resource_id: str, suffix: str = "") -> str:
    """A resource's page: `/resources/AWS::EC2::VPC/vpc-1`; ids may hold slashes (the route's path
    converter takes them), anything else unsafe in a path is escaped."""
    return f"/resources/{quote(resource_type, safe=':')}/{quote(resource_id, safe='/:@')}{suffix}"


def short_type(resource_type: str) -> str:
    """`AWS::EC2::SecurityGroup` → `EC2::SecurityGroup` (the graph's node labels)."""
    return resource_type.removeprefix("AWS::")


def all_pages(
    p: Page, operation: str, member: str, *, token_name: str = "NextToken", **params: Any
) -> list[Any]:
    """Every row of a paginated operation (at most 50 calls); an API error ends it as a message."""
    found: list[Any] = []
    token: str | None = None
    for _ in range(50):
        answer = p.attempt(operation, **params, **({token_name: token} if token else {}))
        if answer is None:
            break
        found += answer.get(member) or []
        token = answer.get(token_name) or answer.get("nextToken")
        if not token:
            break
    return found


def compliance_by_resource(p: Page, resource_type: str | None) -> dict[tuple[str, str], str]:
    """(type, id) → the rolled-up compliance of every resource rules judged (of one type, or all)."""
    params: dict[str, Any] = {"Limit": 100}
    if resource_type:
        params["ResourceType"] = resource_type
    rows = all_pages(p, "DescribeComplianceByResource", "ComplianceByResources", **params)
    return {(r["ResourceType"], r["ResourceId"]): r["Compliance"]["ComplianceType"] for r in rows}


@dataclass
class Filters:
    resource_type: str = ""
    tag_key: str = ""
    tag_value: str = ""
    compliance: str = ""

    @property
    def hides_rows(self) -> bool:
        return bool(self.tag_key or self.compliance)

    def query(self, **extra: str) -> str:
        params = {
            "type": self.resource_type,
            "tag": self.tag_key,
            "value": self.tag_value,
            "compliance": self.compliance,
            **extra,
        }
        return "?" + urlencode({k: v for k, v in params.items() if v})


@dataclass
class Listing:
    rows: list[dict[str, Any]] = field(default_factory=list)
    scanned: int = 0
    next_query: str | None = None
    cut_short: bool = False
    """The scan stopped at MAX_SCANNED_CALLS with rows left unlooked-at."""


@page("/resources", nav="Resources")
def resources(p: Page) -> Response:
    filters = Filters(
        resource_type=p.query("type").strip(),
        tag_key=p.query("tag").strip(),
        tag_value=p.query("value").strip(),
        compliance=p.query("compliance").strip().upper(),
    )
    if filters.compliance and filters.compliance not in COMPLIANCE_CHOICES:
        p.error(f"Unknown compliance {filters.compliance!r}: choose one of {', '.join(COMPLIANCE_CHOICES)}.")
        filters.compliance = ""
    counts = all_pages(p, "GetDiscoveredResourceCounts", "resourceCounts", token_name="nextToken")
    counts.sort(key=lambda c: (-int(c["count"]), c["resourceType"]))
    types = sorted(c["resourceType"] for c in counts)
    if filters.resource_type and filters.resource_type not in types:
        p.note(f"Nothing of type {filters.resource_type} is recorded in this region.")
    listing = _list(p, filters, types)
    response = p.render(
        "resources.html",
        active="Resources",
        filters=filters,
        counts=counts,
        total=sum(int(c["count"]) for c in counts),
        types=types,
        listing=listing,
        compliance_choices=COMPLIANCE_CHOICES,
        resource_url=resource_url,
        first_page=filters.query(),
    )
    return response


def _list(p: Page, filters: Filters, types: list[str]) -> Listing:
    """One page of the list: ListDiscoveredResources from the query string's position, type after type
    when no type is chosen, filtered by tags (store) and compliance (DescribeComplianceByResource)."""
    sequence = [filters.resource_type] if filters.resource_type else types
    at = p.query("at") or (sequence[0] if sequence else "")
    if at not in sequence:
        if sequence:
            p.error(f"The list position {at!r} is not a recorded type; starting over.")
        at = sequence[0] if sequence else ""
    token = p.query("token") or None
    compliance = compliance_by_resource(p, filters.resource_type or None)
    source = AccountRegion(p.caller.account_id, p.caller.region)
    listing = Listing()
    index = sequence.index(at) if at else len(sequence)
    calls = 0
    while index < len(sequence):
        resource_type = sequence[index]
        # Unfiltered, a page holds exactly PAGE_SIZE rows, taken across types when no type is chosen.
        limit = PAGE_SIZE if filters.hides_rows else max(1, PAGE_SIZE - len(listing.rows))
        answer = p.attempt(
            "ListDiscoveredResources",
            resourceType=resource_type,
            limit=limit,
            **({"nextToken": token} if token else {}),
        )
        calls += 1
        if answer is None:
            break
        identifiers = answer.get("resourceIdentifiers") or []
        listing.scanned += len(identifiers)
        latest = p.store.items.latest_items(
            source, [ResourceKey(r["resourceType"], r["resourceId"]) for r in identifiers]
        )
        for r in identifiers:
            item = latest.get(ResourceKey(r["resourceType"], r["resourceId"]))
            tags: dict[str, str] = dict(item.tags) if item is not None else {}
            state = compliance.get((r["resourceType"], r["resourceId"]), "")
            if filters.tag_key and (
                filters.tag_key not in tags
                or (filters.tag_value and tags[filters.tag_key] != filters.tag_value)
            ):
                continue
            if filters.compliance and state != filters.compliance:
                continue
            listing.rows.append(
                {**r, "tags": tags, "compliance": state, "captured": item.capture_time if item else None}
            )
        token = answer.get("nextToken") or None
        if token is None:
            index += 1
        if index >= len(sequence) or len(listing.rows) >= PAGE_SIZE:
            break
        if calls >= MAX_SCANNED_CALLS:
            listing.cut_short = True
            break
    if index < len(sequence):
        listing.next_query = filters.query(at=sequence[index], **({"token": token} if token else {}))
    return listing
