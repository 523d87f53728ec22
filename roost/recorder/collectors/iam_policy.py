"""AWS::IAM::Policy, and the IAM reading helpers every IAM collector shares.

AWS Config records customer managed policies only (AWS managed ones live in the pseudo-account
`aws`: `arn:aws:iam::aws:policy/...`). The resource id is the PolicyId, the name the PolicyName.

AWS Config's IAM configurations are GetAccountAuthorizationDetails' entries in lowerCamelCase, and
every policy document in them (`policyVersionList[].document`, `userPolicyList[].policyDocument`,
`assumeRolePolicyDocument` ...) is the URL-encoded JSON text IAM returns on the wire, not an object:
rules `urllib.parse.unquote` then `json.loads` it. boto3 decodes documents into dicts, so
`encode_document` turns them back.

A full pass reads the account's authorization details once (documents, attachments) plus GetPolicy
per policy (description and tags); a targeted read uses the per-policy calls instead.
"""

from __future__ import annotations

import json
import urllib.parse
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import botocore.exceptions

from roost.cloud import describe_error
from roost.errors import CloudError
from roost.model import Relationship, ResourceState
from roost.recorder.collector import (
    COLLECTORS,
    CollectContext,
    CollectedResource,
    Collector,
    Related,
    ResourceFailure,
    call,
    is_not_found,
    paginate,
)
from roost.recorder.shape import camelize, json_value, parse_time, tag_dict

POLICY = "AWS::IAM::Policy"
ATTACHED_TO_POLICY = "Is attached to CustomerManagedPolicy"
#: (entity kind, its detail list in GetAccountAuthorizationDetails, id field, name field, Config type)
PRINCIPALS = (
    ("User", "UserDetailList", "UserId", "UserName", "AWS::IAM::User"),
    ("Group", "GroupDetailList", "GroupId", "GroupName", "AWS::IAM::Group"),
    ("Role", "RoleDetailList", "RoleId", "RoleName", "AWS::IAM::Role"),
)


def encode_document(document: Any) -> str | None:
    """A policy document as AWS Config records it: its JSON text, URL-encoded."""
    if document is None:
        return None
    if isinstance(document, str):  # botocore could not decode it: it is still the wire text
        return document
    return urllib.parse.quote(json.dumps(document, separators=(",", ":")), safe="")


def pages(client: Any, method: str, keys: Iterable[str], **params: Any) -> dict[str, list[Any]]:
    """Several keys of one paginated call over all pages: lists merged, objects collected."""
    merged: dict[str, list[Any]] = {key: [] for key in keys}
    try:
        for page in client.get_paginator(method).paginate(**params):
            for key, values in merged.items():
                value = page.get(key)
                if isinstance(value, list):
                    values.extend(value)
                elif value is not None:  # a per-page object, such as GetGroup's Group
                    values.append(value)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        raise describe_error(exc) from None
    return merged


def authorization_details(client: Any, *filters: str) -> dict[str, list[Any]]:
    keys = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
    return pages(client, "get_account_authorization_details", keys, Filter=list(filters))


def local_policy_ids(client: Any) -> dict[str, str]:
    """PolicyArn -> PolicyId of every customer managed policy (one paginated ListPolicies)."""
    return {p["Arn"]: p["PolicyId"] for p in paginate(client, "list_policies", "Policies", Scope="Local")}


def optional_entity(fn: Any, **params: Any) -> Any:
    """A read of something the principal refers to, or None if it vanished meanwhile.

    Callers treat NoSuchEntity as "the principal is gone"; a policy deleted between two calls must
    not make its user look deleted.
    """
    try:
        return call(fn, **params)
    except CloudError as error:
        if is_not_found(error):
            return None
        raise


def iam_state(
    resource_type: str,
    raw: Mapping[str, Any],
    names: tuple[str, str],
    configuration: dict[str, Any],
    relationships: Iterable[Relationship],
) -> ResourceState:
    """An IAM item: `names` are the raw entity's id and name fields (e.g. UserId, UserName)."""
    id_field, name_field = names
    return ResourceState(
        resource_type=resource_type,
        resource_id=str(raw[id_field]),
        resource_name=str(raw[name_field]),
        arn=str(raw["Arn"]),
        resource_creation_time=parse_time(raw.get("CreateDate")),
        tags=tag_dict(raw.get("Tags")),
        relationships=tuple(sorted(set(relationships), key=Relationship.sort_key)),
        configuration=configuration,
    )


@COLLECTORS.register(POLICY)
class IamPolicyCollector(Collector):
    resource_type = POLICY
    service = "iam"
    global_resource = True
    relationships = tuple(
        Related(config_type, f"Is attached to {kind}", f"{key}[].{id_field}")
        for kind, key, id_field, _, config_type in PRINCIPALS
    )

    def collect(self, ctx: CollectContext) -> Iterator[CollectedResource]:
        client = ctx.client(self.service)
        details = authorization_details(client, "User", "Group", "Role", "LocalManagedPolicy")
        versions = {p["Arn"]: p.get("PolicyVersionList") for p in details["Policies"]}
        attached: dict[str, list[Relationship]] = defaultdict(list)
        for kind, key, id_field, name_field, config_type in PRINCIPALS:
            for entity in details[key]:
                relation = Relationship(
                    config_type, f"Is attached to {kind}", entity[id_field], entity[name_field]
                )
                for policy in entity.get("AttachedManagedPolicies") or []:
                    attached[policy["PolicyArn"]].append(relation)
        for listed in paginate(client, "list_policies", "Policies", Scope="Local"):
            arn = listed["Arn"]
            found = self.read(client, listed, versions.get(arn), attached[arn])
            if found is not None:
                yield found

    def collect_one(self, ctx: CollectContext, resource_id: str) -> CollectedResource | None:
        client = ctx.client(self.service)
        for listed in paginate(client, "list_policies", "Policies", Scope="Local"):
            if listed["PolicyId"] == resource_id:
                return self.read(client, listed, None, None)
        return None

    def read(
        self,
        client: Any,
        listed: Mapping[str, Any],
        versions: list[Any] | None,
        attached: list[Relationship] | None,
    ) -> CollectedResource | None:
        """One policy; versions and attachments are read here when the caller has none."""
        arn = listed["Arn"]
        try:
            # ListPolicies leaves out Description and Tags; GetPolicy alone returns both.
            policy = call(client.get_policy, PolicyArn=arn)["Policy"]
            if versions is None:
                versions = self.read_versions(client, arn)
            if attached is None:
                attached = self.read_attachments(client, arn)
        except CloudError as error:
            if is_not_found(error):  # deleted while we were reading it
                return None
            return ResourceFailure(str(listed["PolicyId"]), error)
        return iam_state(POLICY, policy, ("PolicyId", "PolicyName"), self.config(policy, versions), attached)

    @staticmethod
    def read_versions(client: Any, arn: str) -> list[Any]:
        # AWS's ListPolicyVersions leaves out the documents (moto's includes them).
        versions = []
        for version in paginate(client, "list_policy_versions", "Versions", PolicyArn=arn):
            if "Document" not in version:
                found = optional_entity(
                    client.get_policy_version, PolicyArn=arn, VersionId=version["VersionId"]
                )
                if found is None:  # deleted since the listing
                    continue
                version = found["PolicyVersion"]
            versions.append(version)
        return versions

    @staticmethod
    def read_attachments(client: Any, arn: str) -> list[Relationship]:
        keys = ("PolicyUsers", "PolicyGroups", "PolicyRoles")
        entities = pages(client, "list_entities_for_policy", keys, PolicyArn=arn)
        return [
            Relationship(config_type, f"Is attached to {kind}", entity[id_field], entity[name_field])
            for (kind, _, id_field, name_field, config_type), key in zip(PRINCIPALS, keys, strict=True)
            for entity in entities[key]
        ]

    @staticmethod
    def config(policy: Mapping[str, Any], versions: list[Any]) -> dict[str, Any]:
        # GetPolicy's fields in lowerCamelCase; tags go to the item's `tags` only.
        config: dict[str, Any] = camelize({k: v for k, v in policy.items() if k != "Tags"})
        config.setdefault("description", None)
        config.setdefault("permissionsBoundaryUsageCount", 0)
        config["policyVersionList"] = [
            {
                "document": encode_document(v.get("Document")),
                "versionId": v["VersionId"],
                "isDefaultVersion": bool(v.get("IsDefaultVersion")),
                "createDate": json_value(v.get("CreateDate")),
            }
            for v in sorted(versions, key=lambda v: int(str(v["VersionId"]).lstrip("v") or 0))
        ]
        return config
