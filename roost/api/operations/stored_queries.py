"""Stored queries: PutStoredQuery, GetStoredQuery, ListStoredQueries, DeleteStoredQuery.

A stored query is an advanced-query expression saved under a name, unique per account and region.
Put is an upsert by name: a new name creates a query with a fresh id and ARN
(`arn:aws:config:<region>:<account>:stored-query/<QueryName>/query-<QueryId>`) and the request's tags;
an existing name keeps its id, ARN and tags and takes the new description and expression. The
expression is stored as given (AWS checks it only when a query runs it: SelectResourceConfig).
"""

from __future__ import annotations

import uuid
from typing import Any

from roost.api.context import RequestContext
from roost.api.operations import operation
from roost.api.operations.tags import check_tags, forget_tags, tag_on_create, taggable
from roost.api.pagination import decode_token, encode_token
from roost.clock import whole_millis
from roost.errors import ApiError
from roost.store.stored_queries import StoredQuery

#: Stored queries one account may have in one region (AWS Config's service limit).
MAX_STORED_QUERIES = 300

#: ListStoredQueries' page size when MaxResults is 0 or absent, and its largest.
LIST_PAGE_SIZE = 100


def _not_found(name: str) -> ApiError:
    return ApiError("ResourceNotFoundException", f"The stored query '{name}' does not exist.")


@taggable("stored-query")
def _stored_query_exists(ctx: RequestContext, arn: str) -> bool:
    return ctx.store.stored_queries.by_arn(ctx.source, arn) is not None


def _to_wire(query: StoredQuery, *, expression: bool) -> dict[str, Any]:
    wire: dict[str, Any] = {
        "QueryId": query.query_id,
        "QueryArn": query.arn,
        "QueryName": query.name,
        "Description": query.description or None,
    }
    if expression:
        wire["Expression"] = query.expression
    return wire


@operation("PutStoredQuery")
def put_stored_query(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    raw = params["StoredQuery"]
    name = raw["QueryName"]
    expression = raw.get("Expression")
    if not expression:
        raise ApiError("ValidationException", "StoredQuery.Expression is required: give the query's SELECT.")
    tags = params.get("Tags") or []
    check_tags(tags)  # before anything is created: bad tags fail the call and leave nothing behind
    query_id = str(uuid.uuid4())
    query = StoredQuery(
        account_id=ctx.source.account_id,
        region=ctx.source.region,
        name=name,
        query_id=query_id,
        arn=f"arn:aws:config:{ctx.source.region}:{ctx.source.account_id}:stored-query/{name}/query-{query_id}",
        description=raw.get("Description") or "",
        expression=expression,
        created=whole_millis(ctx.clock.now()),
    )
    stored = ctx.store.stored_queries.put(query, limit=MAX_STORED_QUERIES)
    if stored is None:
        # The model names no limit error for PutStoredQuery; ValidationException is the common one.
        raise ApiError(
            "ValidationException",
            f"An account may have at most {MAX_STORED_QUERIES} stored queries per region: "
            "delete one (DeleteStoredQuery) before adding another.",
        )
    saved, created = stored
    if created:
        tag_on_create(ctx, saved.arn, tags)
    return {"QueryArn": saved.arn}


@operation("GetStoredQuery")
def get_stored_query(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    name = params["QueryName"]
    found = ctx.store.stored_queries.get(ctx.source, name)
    if found is None:
        raise _not_found(name)
    return {"StoredQuery": _to_wire(found, expression=True)}


@operation("ListStoredQueries")
def list_stored_queries(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    # The model bounds MaxResults to 0..100 (ValidationException before the handler); 0 is the default.
    limit = params.get("MaxResults") or LIST_PAGE_SIZE
    after = decode_token("ListStoredQueries", params.get("NextToken"))
    if after is not None and not isinstance(after, str):
        raise ApiError("InvalidNextTokenException", "The nextToken provided is invalid.")
    found = ctx.store.stored_queries.list(ctx.source, after_name=after, limit=limit + 1)
    page = found[:limit]
    return {
        "StoredQueryMetadata": [_to_wire(q, expression=False) for q in page],
        "NextToken": encode_token("ListStoredQueries", page[-1].name) if len(found) > limit else None,
    }


@operation("DeleteStoredQuery")
def delete_stored_query(ctx: RequestContext, params: dict[str, Any]) -> None:
    name = params["QueryName"]
    deleted = ctx.store.stored_queries.delete(ctx.source, name)
    if deleted is None:
        raise _not_found(name)
    forget_tags(ctx, deleted.arn)
