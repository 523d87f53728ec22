"""Tags on AWS Config's own resources (placeholder until TagResource lands)."""

from __future__ import annotations

from typing import Any

from roost.api.context import RequestContext


def tag_on_create(ctx: RequestContext, arn: str, tags: list[dict[str, Any]]) -> None:
    """Tags given to a Put* call apply only when it creates the resource (AWS ignores them later)."""
    return None
