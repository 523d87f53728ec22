"""AWS::IAM::User.

The resource id is the UserId (`AIDA...`), the name the user name. The configuration is the user's
GetAccountAuthorizationDetails entry as AWS Config records it: `userPolicyList` with URL-encoded
documents, `groupList` as group names, `attachedManagedPolicies`, `permissionsBoundary` (null when
none) and `tags` as a `[{key, value}]` list. MFA devices, access keys and passwords are not part of
it: rules such as iam-user-mfa-enabled ask IAM themselves, as they do against AWS.

A full pass costs two paginated calls for the whole account (authorization details and the list of
customer managed policies); a targeted read asks about the one user. Lists are sorted by name so
both ways give the same item. The helpers below serve the group and role collectors too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

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
from roost.recorder.collectors.iam_policy import (
    ATTACHED_TO_POLICY,
    POLICY,
    authorization_details,
    encode_document,
    iam_state,
    local_policy_ids,
    optional_entity,
)
from roost.recorder.shape import camelize, json_value, tag_dict, tag_list

USER = "AWS::IAM::User"
GROUP = "AWS::IAM::Group"
IN_GROUP = "Is attached to Group"


# --- helpers for the principals (users, groups, roles) -----------------------------------


def policy_ids_for(client: Any, raw: Mapping[str, Any]) -> dict[str, str]:
    """PolicyArn -> PolicyId of the customer managed policies attached to one principal."""
    ids: dict[str, str] = {}
    for attached in raw.get("AttachedManagedPolicies") or []:
        arn = attached["PolicyArn"]
        if arn.split(":")[4] == "aws":  # AWS managed (arn:aws:iam::aws:policy/...): not recorded
            continue
        if policy := optional_entity(client.get_policy, PolicyArn=arn):
            ids[arn] = policy["Policy"]["PolicyId"]
    return ids


def inline_policies(raw: Iterable[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """[{policyName, policyDocument}] (userPolicyList, groupPolicyList, rolePolicyList), by name."""
    found = [
        {"policyName": p["PolicyName"], "policyDocument": encode_document(p.get("PolicyDocument"))}
        for p in raw or []
    ]
    return sorted(found, key=lambda p: str(p["policyName"]))


def read_inline_policies(client: Any, kind: str, name: str) -> list[dict[str, Any]]:
    """One principal's inline policies as GetAccountAuthorizationDetails lists them (kind: User...)."""
    snake = kind.lower()
    param = {f"{kind}Name": name}
    get = getattr(client, f"get_{snake}_policy")
    found = []
    for policy in paginate(client, f"list_{snake}_policies", "PolicyNames", **param):
        if answer := optional_entity(get, **param, PolicyName=policy):
            found.append({"PolicyName": policy, "PolicyDocument": answer["PolicyDocument"]})
    return found


def attached_policies(raw: Mapping[str, Any]) -> list[dict[str, Any]]:
    found = [
        {"policyName": p["PolicyName"], "policyArn": p["PolicyArn"]}
        for p in raw.get("AttachedManagedPolicies") or []
    ]
    return sorted(found, key=lambda p: str(p["policyArn"]))


def permissions_boundary(raw: Mapping[str, Any]) -> dict[str, Any] | None:
    """{permissionsBoundaryType, permissionsBoundaryArn}, or None (AWS Config's null) when unset."""
    return camelize(raw["PermissionsBoundary"]) if raw.get("PermissionsBoundary") else None


def policy_relations(raw: Mapping[str, Any], policy_ids: Mapping[str, str]) -> list[Relationship]:
    """The principal's edges to the attached policies AWS Config records (customer managed ones)."""
    return [
        Relationship(POLICY, ATTACHED_TO_POLICY, policy_ids[p["PolicyArn"]], p["PolicyName"])
        for p in raw.get("AttachedManagedPolicies") or []
        if p["PolicyArn"] in policy_ids
    ]


def name_for_id(client: Any, method: str, key: str, fields: tuple[str, str], resource_id: str) -> str | None:
    """IAM addresses principals by name; AWS Config by id. The name of an id (fields: id, name)."""
    id_field, name_field = fields
    for entity in paginate(client, method, key):
        if entity[id_field] == resource_id:
            return str(entity[name_field])
    return None


@COLLECTORS.register(USER)
class IamUserCollector(Collector):
    resource_type = USER
    service = "iam"
    global_resource = True
    relationships = (
        Related(POLICY, ATTACHED_TO_POLICY, "AttachedManagedPolicies[].PolicyArn"),
        Related(GROUP, IN_GROUP, "GroupList[]"),
    )

    def collect(self, ctx: CollectContext) -> Iterator[CollectedResource]:
        client = ctx.client(self.service)
        details = authorization_details(client, "User", "Group")
        group_ids = {g["GroupName"]: g["GroupId"] for g in details["GroupDetailList"]}
        policy_ids = local_policy_ids(client)
        for user in details["UserDetailList"]:
            yield self.state(user, group_ids, policy_ids)

    def collect_one(self, ctx: CollectContext, resource_id: str) -> CollectedResource | None:
        client = ctx.client(self.service)
        try:
            name = name_for_id(client, "list_users", "Users", ("UserId", "UserName"), resource_id)
            if name is None:
                return None
            user = dict(call(client.get_user, UserName=name)["User"])
            groups = list(paginate(client, "list_groups_for_user", "Groups", UserName=name))
            user["GroupList"] = [g["GroupName"] for g in groups]
            user["UserPolicyList"] = read_inline_policies(client, "User", name)
            user["AttachedManagedPolicies"] = list(
                paginate(client, "list_attached_user_policies", "AttachedPolicies", UserName=name)
            )
            policy_ids = policy_ids_for(client, user)
        except CloudError as error:
            if is_not_found(error):  # deleted while we were reading it
                return None
            return ResourceFailure(resource_id, error)
        return self.state(user, {g["GroupName"]: g["GroupId"] for g in groups}, policy_ids)

    def state(
        self, user: Mapping[str, Any], group_ids: Mapping[str, str], policy_ids: Mapping[str, str]
    ) -> ResourceState:
        groups = sorted(user.get("GroupList") or [])
        relations = policy_relations(user, policy_ids) + [
            Relationship(GROUP, IN_GROUP, group_ids[name], name) for name in groups if name in group_ids
        ]
        configuration = {
            "path": user.get("Path"),
            "userName": user["UserName"],
            "userId": user["UserId"],
            "arn": user["Arn"],
            "createDate": json_value(user.get("CreateDate")),
            "userPolicyList": inline_policies(user.get("UserPolicyList")),
            "groupList": groups,
            "attachedManagedPolicies": attached_policies(user),
            "permissionsBoundary": permissions_boundary(user),
            "tags": tag_list(tag_dict(user.get("Tags"))),
        }
        return iam_state(USER, user, ("UserId", "UserName"), configuration, relations)
