"""One resource: its current configuration item, its relationships as a graph to walk, the timeline
of its versions with what changed, a side-by-side diff of any two versions, and its compliance now
and over time (the `AWS::Config::ResourceCompliance` items AWS Config keeps for it)."""

from __future__ import annotations

import difflib
import json
import math
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import RedirectResponse, Response

from roost.errors import ApiError
from roost.formats import diff_record, relationship_record
from roost.model import AccountRegion, ConfigurationItem, ResourceKey
from roost.rules.history import COMPLIANCE_TYPE, compliance_resource_id
from roost.web.app import Page, page
from roost.web.pages.resources import all_pages, resource_url, short_type

TIMELINE_PAGE = 10
COMPLIANCE_TIMELINE_PAGE = 10
VERSIONS_TO_CHOOSE = 100
"""Versions the diff page offers in its selects (one GetResourceConfigHistory call)."""
DIFF_CONTEXT = 4
"""Unchanged lines kept around each change on the diff page unless the whole document is asked for."""
GRAPH_NODES = 12
"""Related resources drawn in the graph; the rest are in the table under it."""


def _key(p: Page) -> ResourceKey:
    return ResourceKey(str(p.request.path_params["resource_type"]), str(p.request.path_params["resource_id"]))


def _source(p: Page) -> AccountRegion:
    return AccountRegion(p.caller.account_id, p.caller.region)


def _not_found(p: Page, key: ResourceKey, error: ApiError | None) -> Response:
    """The page for a resource the API will not show: a message, 404 (400 for a malformed ask)."""
    status = 404
    if error is None or error.code in (
        "ResourceNotDiscoveredException",
        "NoAvailableConfigurationRecorderException",
    ):
        p.error(
            f"{key.resource_type} {key.resource_id} is not recorded in account {p.caller.account_id}, "
            f"region {p.caller.region}."
            + (
                f" ({error.message})"
                if error is not None and error.code != "ResourceNotDiscoveredException"
                else ""
            )
        )
    else:
        status = 400
        p.error(f"{error.code}: {error.message}")
    response = p.render("resource_missing.html", active="Resources", key=key, resource_url=resource_url)
    response.status_code = status
    return response


@page("/resources/{resource_type}")
def resources_of_type(p: Page) -> Response:
    """`/resources/AWS::EC2::VPC`: the inventory filtered to that type."""
    from urllib.parse import urlencode

    return RedirectResponse("/resources?" + urlencode({"type": p.request.path_params["resource_type"]}), 303)


# Registered before the resource's page: its path would otherwise take `/diff` as part of the id.
@page("/resources/{resource_type}/{resource_id:path}/diff")
def resource_diff(p: Page) -> Response:
    key = _key(p)
    try:
        answer = p.call(
            "GetResourceConfigHistory",
            resourceType=key.resource_type,
            resourceId=key.resource_id,
            limit=VERSIONS_TO_CHOOSE,
        )
    except ApiError as error:
        return _not_found(p, key, error)
    versions = answer.get("configurationItems") or []
    if not versions:
        return _not_found(p, key, None)
    chosen: list[int] = []
    for name, default in (("a", 1), ("b", 0)):
        raw = p.query(name) or (versions[min(default, len(versions) - 1)]["configurationStateId"])
        try:
            chosen.append(int(raw))
        except ValueError:
            p.error(f"Version {name}={raw!r} is not a configuration state id.")
    items: list[ConfigurationItem] = []
    for state_id in chosen:
        item = p.store.items.item(_source(p), key, state_id)
        if item is None:
            p.error(f"{key.resource_type} {key.resource_id} has no version {state_id}.")
        else:
            items.append(item)
    selected = dict(zip("ab", chosen, strict=False))
    context: dict[str, Any] = {"key": key, "versions": versions, "resource_url": resource_url}
    if len(items) != 2:
        response = p.render(
            "resource_diff.html",
            active="Resources",
            older=None,
            newer=None,
            rows=[],
            selected=selected,
            **context,
        )
        response.status_code = 404 if len(chosen) == 2 else 400
        return response
    older, newer = sorted(items, key=lambda i: i.configuration_state_id)
    full = p.query("full") == "1"
    rows = side_by_side(
        _document_lines(older), _document_lines(newer), context_lines=None if full else DIFF_CONTEXT
    )
    changed = sum(1 for r in rows if r.kind == "changed")
    return p.render(
        "resource_diff.html",
        active="Resources",
        older=older,
        newer=newer,
        rows=rows,
        changed=changed,
        full=full,
        selected={"a": older.configuration_state_id, "b": newer.configuration_state_id},
        **context,
    )


@page("/resources/{resource_type}/{resource_id:path}")
def resource(p: Page) -> Response:
    key = _key(p)
    try:
        answer = p.call(
            "GetResourceConfigHistory", resourceType=key.resource_type, resourceId=key.resource_id, limit=1
        )
    except ApiError as error:
        return _not_found(p, key, error)
    found = answer.get("configurationItems") or []
    if not found:
        return _not_found(p, key, None)
    current = found[0]
    configuration = _parse(current.get("configuration"))
    supplementary = {k: _parse(v) for k, v in (current.get("supplementaryConfiguration") or {}).items()}
    relationships = current.get("relationships") or []
    title = current.get("resourceName") or key.resource_id
    return p.render(
        "resource.html",
        active="Resources",
        key=key,
        title=title,
        item=current,
        configuration=configuration,
        supplementary=supplementary,
        relationships=relationships,
        graph=relationship_graph(key, title, relationships),
        timeline=_timeline(p, key),
        compliance=_compliance(p, key),
        resource_url=resource_url,
    )


def _parse(text: Any) -> Any:
    """The API carries configurations as JSON text; show the JSON (or the text when it is not JSON)."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


# --- the timeline ------------------------------------------------------------------------------


@dataclass
class Version:
    state_id: int
    capture_time: Any
    status: str
    change_type: str | None
    changes: list[dict[str, Any]] = field(default_factory=list)
    previous_state_id: int | None = None


def _timeline(p: Page, key: ResourceKey) -> dict[str, Any]:
    """A page of versions, newest first (GetResourceConfigHistory), each with its configurationItemDiff
    (kept in the store, not on the wire): one store query for the page and the version before it."""
    token = p.query("token") or None
    answer = p.attempt(
        "GetResourceConfigHistory",
        resourceType=key.resource_type,
        resourceId=key.resource_id,
        limit=TIMELINE_PAGE,
        **({"nextToken": token} if token else {}),
    )
    if answer is None:
        return {"versions": [], "next": None}
    wire = answer.get("configurationItems") or []
    stored: list[ConfigurationItem] = []
    if wire:
        newest = int(wire[0]["configurationStateId"])
        stored = p.store.items.history(_source(p), key, after_state_id=newest + 1, limit=len(wire) + 1)
    by_state = {i.configuration_state_id: i for i in stored}
    ordered = [i.configuration_state_id for i in stored]
    versions: list[Version] = []
    for entry in wire:
        state_id = int(entry["configurationStateId"])
        item = by_state.get(state_id)
        record = diff_record(item.diff) if item is not None else None
        position = ordered.index(state_id) if state_id in ordered else -1
        versions.append(
            Version(
                state_id=state_id,
                capture_time=entry.get("configurationItemCaptureTime"),
                status=str(entry.get("configurationItemStatus", "")),
                change_type=record["changeType"] if record else None,
                changes=[
                    {
                        "path": path,
                        "type": change["changeType"],
                        "before": _compact(change["previousValue"]),
                        "after": _compact(change["updatedValue"]),
                    }
                    for path, change in sorted((record or {}).get("changedProperties", {}).items())
                ],
                previous_state_id=ordered[position + 1] if 0 <= position < len(ordered) - 1 else None,
            )
        )
    return {"versions": versions, "next": answer.get("nextToken"), "first": token is not None}


def _compact(value: Any, width: int = 140) -> str:
    if value is None:
        return ""
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"


# --- compliance --------------------------------------------------------------------------------


def _compliance(p: Page, key: ResourceKey) -> dict[str, Any]:
    """Compliance now (DescribeComplianceByResource, GetComplianceDetailsByResource) and over time
    (the history of its AWS::Config::ResourceCompliance item)."""
    overall = p.attempt(
        "DescribeComplianceByResource", ResourceType=key.resource_type, ResourceId=key.resource_id
    )
    rolled = (overall or {}).get("ComplianceByResources") or []
    results = all_pages(
        p,
        "GetComplianceDetailsByResource",
        "EvaluationResults",
        ResourceType=key.resource_type,
        ResourceId=key.resource_id,
    )
    token = p.query("ctoken") or None
    history: list[dict[str, Any]] = []
    next_token = None
    try:
        answer = p.call(
            "GetResourceConfigHistory",
            resourceType=COMPLIANCE_TYPE,
            resourceId=compliance_resource_id(key.resource_type, key.resource_id),
            limit=COMPLIANCE_TIMELINE_PAGE,
            **({"nextToken": token} if token else {}),
        )
    except ApiError as error:
        if error.code != "ResourceNotDiscoveredException":  # no rule has judged it yet: no history
            p.error(f"{error.code}: {error.message}")
    else:
        next_token = answer.get("nextToken")
        for entry in answer.get("configurationItems") or []:
            configuration = _parse(entry.get("configuration")) or {}
            history.append(
                {
                    "capture_time": entry.get("configurationItemCaptureTime"),
                    "status": entry.get("configurationItemStatus"),
                    "compliance": configuration.get("complianceType", "")
                    if isinstance(configuration, dict)
                    else "",
                    "rules": configuration.get("configRuleList", [])
                    if isinstance(configuration, dict)
                    else [],
                }
            )
    return {
        "overall": rolled[0]["Compliance"]["ComplianceType"] if rolled else "INSUFFICIENT_DATA",
        "results": sorted(
            results,
            key=lambda r: r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ConfigRuleName"],
        ),
        "history": history,
        "next": next_token,
        "first": token is not None,
    }


# --- the relationship graph ----------------------------------------------------------------------


@dataclass(frozen=True)
class GraphNode:
    x: float
    y: float
    width: float
    height: float
    kind: str
    label: str
    title: str
    href: str | None


@dataclass(frozen=True)
class GraphEdge:
    x1: float
    y1: float
    x2: float
    y2: float
    label: str
    lx: float
    ly: float


def _clip(text: str, length: int = 26) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def relationship_graph(key: ResourceKey, title: str, relationships: list[dict[str, Any]]) -> dict[str, Any]:
    """The resource in the middle, each related resource on an ellipse around it, an edge to each
    labelled with the relationship's name; node boxes are centred on (x, y)."""
    drawn = relationships[:GRAPH_NODES]
    count = len(drawn)
    width = 1000.0
    node_w, node_h = 200.0, 46.0
    rx, ry = 370.0, max(110.0, min(260.0, 30.0 * count))
    places: list[tuple[float, float]] = []
    for index in range(count):
        # Start at the right and go round; offset half a step when the right/left would be crowded.
        angle = 2 * math.pi * index / count + (math.pi / count if count > 4 else 0.0)
        places.append((rx * math.cos(angle), ry * math.sin(angle)))
    reach = max((abs(dy) for _, dy in places), default=0.0)
    height = 2 * reach + node_h + 30
    cx, cy = width / 2, height / 2
    center = GraphNode(
        cx,
        cy,
        240.0,
        54.0,
        short_type(key.resource_type),
        _clip(title, 30),
        f"{key.resource_type} {key.resource_id}",
        None,
    )
    nodes: list[GraphNode] = []
    edges: list[GraphEdge] = []
    for related, (dx, dy) in zip(drawn, places, strict=True):
        x, y = cx + dx, cy + dy
        resource_id = related.get("resourceId")
        name = related.get("resourceName") or resource_id or "?"
        rtype = str(related.get("resourceType", ""))
        nodes.append(
            GraphNode(
                x,
                y,
                node_w,
                node_h,
                short_type(rtype),
                _clip(str(name)),
                f"{rtype} {resource_id or name}",
                resource_url(rtype, resource_id) if resource_id else None,
            )
        )
        edges.append(
            GraphEdge(
                cx, cy, x, y, str(related.get("relationshipName", "")), cx + dx * 0.55, cy + dy * 0.55 + 4
            )
        )
    return {
        "width": width,
        "height": height,
        "center": center,
        "nodes": nodes,
        "edges": edges,
        "hidden": len(relationships) - count,
    }


# --- the side-by-side diff -----------------------------------------------------------------------


def _document_lines(item: ConfigurationItem) -> list[str]:
    """What the diff compares: the configuration with the tags, relationships and supplementary
    configuration that also make a new version, as sorted, indented JSON."""
    document = {
        "configuration": item.configuration,
        "supplementaryConfiguration": item.supplementary_configuration,
        "tags": item.tags,
        "relationships": [relationship_record(r) for r in item.relationships],
    }
    return json.dumps(document, indent=2, sort_keys=True, default=str).splitlines()


@dataclass(frozen=True)
class DiffRow:
    kind: str
    """same, changed, or skip (unchanged lines left out)."""
    left_no: int | None = None
    left: str | None = None
    right_no: int | None = None
    right: str | None = None
    skipped: int = 0


def side_by_side(left: list[str], right: list[str], *, context_lines: int | None) -> list[DiffRow]:
    """Rows of two columns (difflib's opcodes): changed lines face each other, a line only one side
    has faces a blank; runs of unchanged lines beyond `context_lines` of a change become one row."""
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    opcodes = matcher.get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            span = list(range(i2 - i1))
            keep_head = context_lines if index > 0 else 0
            keep_tail = context_lines if index < len(opcodes) - 1 else 0
            if context_lines is None or len(span) <= (keep_head or 0) + (keep_tail or 0) + 1:
                kept = span
                skipped_at = None
            else:
                kept = span[: keep_head or 0] + span[len(span) - (keep_tail or 0) :]
                skipped_at = keep_head or 0
            for n, offset in enumerate(kept):
                if skipped_at is not None and n == skipped_at:
                    rows.append(DiffRow("skip", skipped=len(span) - len(kept)))
                rows.append(
                    DiffRow("same", i1 + offset + 1, left[i1 + offset], j1 + offset + 1, right[j1 + offset])
                )
            if skipped_at is not None and skipped_at == len(kept):
                rows.append(DiffRow("skip", skipped=len(span) - len(kept)))
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            li, rj = i1 + k, j1 + k
            rows.append(
                DiffRow(
                    "changed",
                    li + 1 if li < i2 else None,
                    left[li] if li < i2 else None,
                    rj + 1 if rj < j2 else None,
                    right[rj] if rj < j2 else None,
                )
            )
    return rows
