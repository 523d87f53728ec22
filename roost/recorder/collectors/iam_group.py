"""AWS::IAM::Group.

The resource id is the GroupId, the name the group name. The configuration is the group's
GetAccountAuthorizationDetails entry in lowerCamelCase: `groupPolicyList` with URL-encoded
documents and `attachedManagedPolicies`. Membership is not part of it; AWS Config records it as
relationships ("Contains User"), taken here from the users' group lists so a full pass needs no
call per group. IAM groups carry no tags.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
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
    is_not_found,
    paginate,
)
from roost.recorder.collectors.iam_policy import (
    ATTACHED_TO_POLICY,
    POLICY,
    authorization_details,
    iam_state,
    local_policy_ids,
    pages,
)
from roost.recorder.collectors.iam_user import (
    attached_policies,
    inline_policies,
    name_for_id,
    policy_ids_for,
    policy_relations,
    read_inline_policies,
)
from roost.recorder.shape import json_value

GROUP = "AWS::IAM::Group"
USER = "AWS::IAM::User"
CONTAINS_USER = "Contains User"


@COLLECTORS.register(GROUP)
class IamGroupCollector(Collector):
    resource_type = GROUP
    service = "iam"
    global_resource = True
    relationships = (
        Related(POLICY, ATTACHED_TO_POLICY, "AttachedManagedPolicies[].PolicyArn"),
        Related(USER, CONTAINS_USER, "Users[].UserId"),
    )

    def collect(self, ctx: CollectContext) -> Iterator[CollectedResource]:
        client = ctx.client(self.service)
        details = authorization_details(client, "User", "Group")
        members: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        for user in details["UserDetailList"]:
            for group_name in user.get("GroupList") or []:
                members[group_name].append(user)
        policy_ids = local_policy_ids(client)
        for group in details["GroupDetailList"]:
            yield self.state(group, members[group["GroupName"]], policy_ids)

    def collect_one(self, ctx: CollectContext, resource_id: str) -> CollectedResource | None:
        client = ctx.client(self.service)
        try:
            name = name_for_id(client, "list_groups", "Groups", ("GroupId", "GroupName"), resource_id)
            if name is None:
                return None
            found = pages(client, "get_group", ("Group", "Users"), GroupName=name)
            group = dict(found["Group"][0])
            group["GroupPolicyList"] = read_inline_policies(client, "Group", name)
            group["AttachedManagedPolicies"] = list(
                paginate(client, "list_attached_group_policies", "AttachedPolicies", GroupName=name)
            )
            policy_ids = policy_ids_for(client, group)
        except CloudError as error:
            if is_not_found(error):  # deleted while we were reading it
                return None
            return ResourceFailure(resource_id, error)
        return self.state(group, found["Users"], policy_ids)

    def state(
        self, group: Mapping[str, Any], users: list[Mapping[str, Any]], policy_ids: Mapping[str, str]
    ) -> ResourceState:
        relations = policy_relations(group, policy_ids) + [
            Relationship(USER, CONTAINS_USER, u["UserId"], u["UserName"]) for u in users
        ]
        configuration = {
            "path": group.get("Path"),
            "groupName": group["GroupName"],
            "groupId": group["GroupId"],
            "arn": group["Arn"],
            "createDate": json_value(group.get("CreateDate")),
            "groupPolicyList": inline_policies(group.get("GroupPolicyList")),
            "attachedManagedPolicies": attached_policies(group),
        }
        return iam_state(GROUP, group, ("GroupId", "GroupName"), configuration, relations)
