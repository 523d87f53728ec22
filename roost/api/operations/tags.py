"""Tags on AWS Config's own resources: TagResource, UntagResource, ListTagsForResource.

Which ARNs can carry tags is a small registry keyed by the ARN's resource kind (the part after the
account: `configuration-recorder`, `config-rule`, `config-aggregator`, ...). Each entry answers
"does this ARN name a resource the caller has?"; an area that adds a taggable resource registers
its kind next to its operations:

    @taggable("config-rule")
    def _config_rule_exists(ctx: RequestContext, arn: str) -> bool:
        return ctx.store.rules.by_arn(ctx.source, arn) is not None

Put* operations that take `Tags` call `tag_on_create` when they create the resource (AWS ignores
the tags of later calls), and delete operations call `forget_tags` (a resource's tags go with it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from roost.api.context import RequestContext
from roost.api.operations import operation
from roost.api.pagination import decode_token, encode_token, page_size
from roost.errors import ApiError
from roost.registry import Registry

#: Tags one resource may carry (AWS Config's service limit).
MAX_TAGS = 50

#: Tag keys with this prefix (any case) belong to AWS and cannot be set or removed.
RESERVED_PREFIX = "aws:"

ArnExists = Callable[[RequestContext, str], bool]
"""Whether `arn` (already known to be in the caller's account and region) names one of their resources."""

TAGGABLE: Registry[ArnExists] = Registry("taggable resource kind")


def taggable(kind: str) -> Callable[[ArnExists], ArnExists]:
    """Register how to tell whether an ARN of `kind` names an existing resource of the caller."""
    return TAGGABLE.register(kind)


@taggable("configuration-recorder")
def _recorder_exists(ctx: RequestContext, arn: str) -> bool:
    return any(recorder.arn == arn for recorder in ctx.store.recorders.list(ctx.source))


# --- checks ------------------------------------------------------------------------------------


def _not_found(arn: str) -> ApiError:
    return ApiError("ResourceNotFoundException", f"The resource {arn} does not exist.")


def check_arn(ctx: RequestContext, arn: str) -> None:
    """ValidationException unless `arn` is an ARN; ResourceNotFoundException unless it names a taggable
    Config resource of the caller (another account's or region's resources do not exist for them)."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[1] or not parts[5]:
        raise ApiError("ValidationException", f"The ARN '{arn}' is not valid.")
    _, partition, service, region, account, resource = parts
    kind = resource.split("/", 1)[0]
    if (
        not partition.startswith("aws")
        or service != "config"
        or region != ctx.caller.region
        or account != ctx.caller.account_id
        or kind not in TAGGABLE
        or not TAGGABLE.get(kind)(ctx, arn)
    ):
        raise _not_found(arn)


def check_tags(tags: Sequence[dict[str, Any]]) -> dict[str, str]:
    """The tags of a request as a dict, or ValidationException (no key, reserved key, a key twice).

    Lengths and the count per request are the model's to check; the total per resource is not.
    """
    found: dict[str, str] = {}
    for tag in tags:
        key = tag.get("Key")
        if not key:
            raise ApiError("ValidationException", "Every tag must have a Key.")
        _check_key(key)
        if key in found:
            raise ApiError("ValidationException", f"The tag key '{key}' is given more than once.")
        found[key] = tag.get("Value") or ""
    if len(found) > MAX_TAGS:
        raise ApiError("TooManyTagsException", f"A resource can have at most {MAX_TAGS} tags.")
    return found


def _check_key(key: str) -> None:
    if key.lower().startswith(RESERVED_PREFIX):
        raise ApiError(
            "ValidationException",
            f"The tag key '{key}' is invalid: the prefix '{RESERVED_PREFIX}' is reserved.",
        )


# --- for other operations -----------------------------------------------------------------------


def tag_on_create(ctx: RequestContext, arn: str, tags: list[dict[str, Any]]) -> None:
    """Tags given to a Put* call apply only when it creates the resource (AWS ignores them later).

    The created resource gets exactly these tags (none left over from an earlier one of the same
    ARN). Callers can run `check_tags` before creating anything, so that bad tags fail the call
    without leaving the resource behind.
    """
    ctx.store.tags.replace(ctx.source, arn, check_tags(tags))


def forget_tags(ctx: RequestContext, arn: str) -> None:
    """A deleted resource's tags go with it."""
    ctx.store.tags.remove_all(ctx.source, arn)


# --- operations ----------------------------------------------------------------------------------


@operation("TagResource")
def tag_resource(ctx: RequestContext, params: dict[str, Any]) -> None:
    arn = params["ResourceArn"]
    tags = check_tags(params["Tags"])
    check_arn(ctx, arn)
    if not ctx.store.tags.put(ctx.source, arn, tags, max_tags=MAX_TAGS):
        raise ApiError(
            "TooManyTagsException",
            f"Adding these tags would give {arn} more than {MAX_TAGS} tags; remove some first.",
        )


@operation("UntagResource")
def untag_resource(ctx: RequestContext, params: dict[str, Any]) -> None:
    arn = params["ResourceArn"]
    keys = params["TagKeys"]
    for key in keys:
        _check_key(key)
    check_arn(ctx, arn)
    ctx.store.tags.remove(ctx.source, arn, keys)


@operation("ListTagsForResource")
def list_tags_for_resource(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    arn = params["ResourceArn"]
    # The model allows 100, the documentation says "you cannot specify a number greater than 50".
    limit = page_size(params.get("Limit"), default=MAX_TAGS, maximum=MAX_TAGS)
    position = decode_token("ListTagsForResource", params.get("NextToken"))
    after: str | None = None
    if position is not None:
        if (
            not isinstance(position, dict)
            or position.get("arn") != arn
            or not isinstance(position.get("key"), str)
        ):
            raise ApiError("InvalidNextTokenException", "The nextToken provided is invalid.")
        after = position["key"]
    check_arn(ctx, arn)
    found = ctx.store.tags.list(ctx.source, arn, after_key=after, limit=limit + 1)
    page = found[:limit]
    return {
        "Tags": [{"Key": k, "Value": v} for k, v in page],
        "NextToken": encode_token("ListTagsForResource", {"arn": arn, "key": page[-1][0]})
        if len(found) > limit
        else None,
    }
