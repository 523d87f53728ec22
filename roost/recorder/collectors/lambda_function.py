"""AWS::Lambda::Function.

Resource id and name are the function name, as in AWS Config. The configuration is GetFunction's
`Configuration` in the Java-bean casing AWS Config uses for Lambda (`KMSKeyArn` -> `kmskeyArn`, see
shape.bean_camelize), with two more quirks from aws-config-resource-schema: `state` and
`stateReason` are objects holding a `value`. supplementaryConfiguration carries the resource policy
(`Policy`, the JSON text GetPolicy returns), `Tags` (a map) and, when set, `Concurrency`.

The execution role is the one relationship AWS Config records. Lambda gives only the role's ARN,
not its id (`AROA...`), so the edge names the role (`resourceName`) and has no `resourceId`; AWS
names that edge "Is associated with " (the trailing space is AWS's).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from roost.errors import CloudError
from roost.model import Relationship
from roost.recorder.collector import (
    COLLECTORS,
    CollectContext,
    CollectedResource,
    ListCollector,
    Related,
    ResourceFailure,
    call,
    is_not_found,
    paginate,
)
from roost.recorder.shape import bean_camelize

ROLE_RELATIONSHIP = "Is associated with "

#: GetFunction's Configuration fields AWS Config wraps as `{"value": ...}`.
WRAPPED_FIELDS = ("state", "stateReason")


def role_name(role_arn: str) -> str:
    """`arn:aws:iam::1:role/service-role/fn-role` -> `fn-role` (paths are not part of the name)."""
    return role_arn.rsplit("/", 1)[-1]


@COLLECTORS.register("AWS::Lambda::Function")
class LambdaFunctionCollector(ListCollector):
    resource_type = "AWS::Lambda::Function"
    service = "lambda"
    list_call = "list_functions"
    list_key = "Functions"
    id_field = "FunctionName"
    name_field = "FunctionName"
    arn_field = "FunctionArn"
    tags_field = None
    relationships = (Related("AWS::IAM::Role", ROLE_RELATIONSHIP, "Role"),)

    def collect(self, ctx: CollectContext) -> Iterator[CollectedResource]:
        client = ctx.client(self.service)
        for listed in paginate(client, self.list_call, self.list_key):
            found = self._read(ctx, str(listed["FunctionName"]))
            if found is not None:
                yield found

    def collect_one(self, ctx: CollectContext, resource_id: str) -> CollectedResource | None:
        return self._read(ctx, resource_id)

    def _read(self, ctx: CollectContext, name: str) -> CollectedResource | None:
        """One function by name, from GetFunction (its `Concurrency` and `Tags` are not listed)."""
        try:
            function = call(ctx.client(self.service).get_function, FunctionName=name)
        except CloudError as error:
            return None if is_not_found(error) else ResourceFailure(name, error)
        # `Code` holds a pre-signed download URL that changes on every call: never part of an item.
        raw = {**function["Configuration"], "Tags": function.get("Tags") or {}}
        if function.get("Concurrency"):
            raw["Concurrency"] = function["Concurrency"]
        return self.build_safely(ctx, raw)

    def describe(self, ctx: CollectContext, raw: Mapping[str, Any]) -> dict[str, Any]:
        try:
            policy = call(ctx.client(self.service).get_policy, FunctionName=raw["FunctionName"])
        except CloudError as error:
            # A function without a resource policy answers ResourceNotFoundException.
            if is_not_found(error):
                return {}
            raise
        return {"Policy": policy["Policy"]}

    def tags(self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]) -> dict[str, str]:
        return {str(k): str(v) for k, v in raw["Tags"].items()}

    def relations(
        self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]
    ) -> tuple[Relationship, ...]:
        if not raw.get("Role"):
            return ()
        (related,) = self.relationships
        name = role_name(str(raw["Role"]))
        return (Relationship(resource_type=related.resource_type, name=related.name, resource_name=name),)

    def configuration(
        self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]
    ) -> dict[str, Any]:
        fields = {k: v for k, v in raw.items() if k not in ("Tags", "Concurrency")}
        result: dict[str, Any] = bean_camelize(fields, verbatim=("Variables",))
        for name in WRAPPED_FIELDS:
            if name in result:
                result[name] = {"value": result[name]}
        return result

    def supplementary(
        self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]
    ) -> dict[str, Any]:
        result: dict[str, Any] = {"Tags": self.tags(ctx, raw, details)}
        if "Policy" in details:
            result["Policy"] = details["Policy"]
        if "Concurrency" in raw:
            result["Concurrency"] = bean_camelize(raw["Concurrency"])
        return result
