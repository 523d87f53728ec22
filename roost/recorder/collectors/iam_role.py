"""AWS::IAM::Role.

The resource id is the RoleId (`AROA...`), the name the role name. The configuration is the role's
GetAccountAuthorizationDetails entry as AWS Config records it. `assumeRolePolicyDocument` and the
inline `rolePolicyList[].policyDocument` are the URL-encoded JSON text, not objects: rules that
check trust policies unquote and parse them. `instanceProfileList` keeps each profile with its
roles; `roleLastUsed` is left out, as AWS Config does (it changes on every use of the role and
would make a new item each time). Service-linked roles are recorded like any other.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from roost.errors import CloudError
from roost.model import ResourceState
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
)
from roost.recorder.collectors.iam_user import (
    attached_policies,
    inline_policies,
    name_for_id,
    permissions_boundary,
    policy_ids_for,
    policy_relations,
    read_inline_policies,
)
from roost.recorder.shape import json_value, tag_dict, tag_list

ROLE = "AWS::IAM::Role"


def instance_profile(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "path": raw.get("Path"),
        "instanceProfileName": raw["InstanceProfileName"],
        "instanceProfileId": raw["InstanceProfileId"],
        "arn": raw["Arn"],
        "createDate": json_value(raw.get("CreateDate")),
        "roles": [
            {
                "path": r.get("Path"),
                "roleName": r["RoleName"],
                "roleId": r["RoleId"],
                "arn": r["Arn"],
                "createDate": json_value(r.get("CreateDate")),
            }
            for r in sorted(raw.get("Roles") or [], key=lambda r: str(r["RoleName"]))
        ],
    }


@COLLECTORS.register(ROLE)
class IamRoleCollector(Collector):
    resource_type = ROLE
    service = "iam"
    global_resource = True
    relationships = (Related(POLICY, ATTACHED_TO_POLICY, "AttachedManagedPolicies[].PolicyArn"),)

    def collect(self, ctx: CollectContext) -> Iterator[CollectedResource]:
        client = ctx.client(self.service)
        details = authorization_details(client, "Role")
        policy_ids = local_policy_ids(client)
        for role in details["RoleDetailList"]:
            yield self.state(role, policy_ids)

    def collect_one(self, ctx: CollectContext, resource_id: str) -> CollectedResource | None:
        client = ctx.client(self.service)
        try:
            name = name_for_id(client, "list_roles", "Roles", ("RoleId", "RoleName"), resource_id)
            if name is None:
                return None
            role = dict(call(client.get_role, RoleName=name)["Role"])
            role["RolePolicyList"] = read_inline_policies(client, "Role", name)
            role["AttachedManagedPolicies"] = list(
                paginate(client, "list_attached_role_policies", "AttachedPolicies", RoleName=name)
            )
            role["InstanceProfileList"] = list(
                paginate(client, "list_instance_profiles_for_role", "InstanceProfiles", RoleName=name)
            )
            policy_ids = policy_ids_for(client, role)
        except CloudError as error:
            if is_not_found(error):  # deleted while we were reading it
                return None
            return ResourceFailure(resource_id, error)
        return self.state(role, policy_ids)

    def state(self, role: Mapping[str, Any], policy_ids: Mapping[str, str]) -> ResourceState:
        profiles = sorted(role.get("InstanceProfileList") or [], key=lambda p: str(p["InstanceProfileName"]))
        configuration = {
            "path": role.get("Path"),
            "roleName": role["RoleName"],
            "roleId": role["RoleId"],
            "arn": role["Arn"],
            "createDate": json_value(role.get("CreateDate")),
            "assumeRolePolicyDocument": encode_document(role.get("AssumeRolePolicyDocument")),
            "instanceProfileList": [instance_profile(p) for p in profiles],
            "rolePolicyList": inline_policies(role.get("RolePolicyList")),
            "attachedManagedPolicies": attached_policies(role),
            "permissionsBoundary": permissions_boundary(role),
            "tags": tag_list(tag_dict(role.get("Tags"))),
        }
        return iam_state(
            ROLE, role, ("RoleId", "RoleName"), configuration, policy_relations(role, policy_ids)
        )
