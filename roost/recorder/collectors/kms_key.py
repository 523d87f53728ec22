"""AWS::KMS::Key.

AWS Config records customer managed keys only: AWS managed keys (the ones behind `alias/aws/...`)
and AWS owned keys are left out. The resource id is the key id (a UUID); the ARN is the key's.

The configuration is DescribeKey's KeyMetadata in lowerCamelCase, with AWS Config's spelling of
the account field, `awsaccountId` (plain camel-casing would give `aWSAccountId`). Whether automatic
rotation is on is in the supplementary configuration, `KeyRotationStatus` (a boolean), which
cmk-backing-key-rotation-enabled reads. Keys pending deletion are recorded with `keyState`
"PendingDeletion" and `deletionDate` until KMS forgets them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from roost.errors import CloudError
from roost.recorder.collector import (
    COLLECTORS,
    CollectContext,
    CollectedResource,
    ListCollector,
    ResourceFailure,
    call,
    is_not_found,
    paginate,
)
from roost.recorder.shape import camelize, tag_dict

#: GetKeyRotationStatus's answers for keys that cannot rotate (asymmetric, HMAC, imported
#: material, custom key stores) or cannot be asked now (pending deletion): rotation is off.
NO_ROTATION = frozenset({"UnsupportedOperationException", "KMSInvalidStateException"})


def aws_managed_key_ids(client: Any, **params: Any) -> set[str]:
    """Ids of AWS managed keys, known by their `alias/aws/...` aliases.

    AWS also marks them KeyManager "AWS"; moto marks them "CUSTOMER". Only AWS can own an alias under
    `alias/aws/`, so the aliases identify them in both.
    """
    return {
        str(alias["TargetKeyId"])
        for alias in paginate(client, "list_aliases", "Aliases", **params)
        if str(alias.get("AliasName", "")).startswith("alias/aws/") and alias.get("TargetKeyId")
    }


@COLLECTORS.register("AWS::KMS::Key")
class KmsKeyCollector(ListCollector):
    resource_type = "AWS::KMS::Key"
    service = "kms"
    list_call = "list_keys"
    list_key = "Keys"
    id_field = "KeyId"
    arn_field = "Arn"
    creation_time_field = "CreationDate"

    def collect(self, ctx: CollectContext) -> Iterator[CollectedResource]:
        client = ctx.client(self.service)
        aws_managed = aws_managed_key_ids(client)
        for listed in paginate(client, self.list_call, self.list_key):
            if listed["KeyId"] not in aws_managed:
                found = self.read(ctx, client, str(listed["KeyId"]))
                if found is not None:
                    yield found

    def collect_one(self, ctx: CollectContext, resource_id: str) -> CollectedResource | None:
        client = ctx.client(self.service)
        try:
            if resource_id in aws_managed_key_ids(client, KeyId=resource_id):
                return None
        except CloudError as error:
            if is_not_found(error):
                return None
            return ResourceFailure(resource_id, error)
        return self.read(ctx, client, resource_id)

    def read(self, ctx: CollectContext, client: Any, key_id: str) -> CollectedResource | None:
        """One key: its state, or None if it is gone or not customer managed."""
        try:
            metadata = call(client.describe_key, KeyId=key_id)["KeyMetadata"]
            if metadata.get("KeyManager", "CUSTOMER") != "CUSTOMER":
                return None
            return self.build(ctx, metadata)
        except CloudError as error:
            if is_not_found(error):  # deleted between the listing and the read
                return None
            return ResourceFailure(key_id, error)

    def describe(self, ctx: CollectContext, raw: Mapping[str, Any]) -> dict[str, Any]:
        client = ctx.client(self.service)
        try:
            rotation = bool(
                call(client.get_key_rotation_status, KeyId=raw["KeyId"]).get("KeyRotationEnabled")
            )
        except CloudError as error:
            if error.code not in NO_ROTATION:
                raise
            rotation = False
        return {
            "rotation": rotation,
            "tags": list(paginate(client, "list_resource_tags", "Tags", KeyId=raw["KeyId"])),
        }

    def tags(self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]) -> dict[str, str]:
        return tag_dict(details["tags"], key="TagKey", value="TagValue")

    def configuration(
        self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]
    ) -> dict[str, Any]:
        config: dict[str, Any] = camelize(raw)
        config["awsaccountId"] = config.pop("aWSAccountId", ctx.account_id)
        # KMS always answers KeyUsage; moto leaves it out for keys created without one.
        config.setdefault("keyUsage", "ENCRYPT_DECRYPT")
        config.setdefault("description", "")
        config.setdefault("deletionDate", None)
        return config

    def supplementary(
        self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]
    ) -> dict[str, Any]:
        return {"KeyRotationStatus": details["rotation"]}
