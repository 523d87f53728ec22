"""AWS::S3::Bucket.

The bucket name is both the resource id and the resource name; the ARN is `arn:aws:s3:::NAME`.
ListBuckets returns every bucket of the account whatever the client's region, so each source keeps
only the buckets GetBucketLocation places in its region (null means us-east-1, the legacy "EU"
eu-west-1).

The configuration is small (`name`, `owner`, `creationDate`); what rules read is in the
supplementary configuration, under AWS Config's keys and field names:

* `BucketPolicy`: `{"policyText": <the policy JSON text> | null}`.
* `BucketVersioningConfiguration`: `{"status": "Off"|"Enabled"|"Suspended", "isMfaDeleteEnabled"}`.
* `BucketLoggingConfiguration`: `{"destinationBucketName", "logFilePrefix"}`, nulls when off.
* `AccessControlList`: a JSON *string*, not an object. AWS Config serializes the ACL twice, even in
  the events rules receive (`json.loads(item["supplementaryConfiguration"]["AccessControlList"])`),
  in the Java SDK's shape: `grantList[].grantee` is `{"id", "displayName"}` or a group name such as
  "AllUsers", `permission` is "FullControl", "Read", ...
* `ServerSideEncryptionConfiguration`, `PublicAccessBlockConfiguration`, `ObjectLockConfiguration`,
  `BucketTaggingConfiguration`: absent when the bucket has none (S3 answers "not found" for them).
* `BucketNotificationConfiguration` (`{"configurations": {id: ...}}`) and `IsRequesterPaysEnabled`.

A "not configured" answer is part of the state, not an error. Any other failure reading a bucket is
a ResourceFailure for that bucket alone; a bucket deleted while it is read is simply not seen.
"""

from __future__ import annotations

import json
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
    paginate,
)
from roost.recorder.shape import camelize, dig, json_value, tag_dict

#: S3's answers for "this bucket has no such configuration".
NOT_CONFIGURED = frozenset(
    {
        "NoSuchBucketPolicy",
        "ServerSideEncryptionConfigurationNotFoundError",
        "NoSuchPublicAccessBlockConfiguration",
        "NoSuchTagSet",
        "ObjectLockConfigurationNotFoundError",
    }
)
PERMISSIONS = {
    "FULL_CONTROL": "FullControl",
    "READ": "Read",
    "WRITE": "Write",
    "READ_ACP": "ReadAcp",
    "WRITE_ACP": "WriteAcp",
}
NOTIFICATIONS = (
    ("QueueConfiguration", "QueueConfigurations", "QueueArn", "queueARN"),
    ("TopicConfiguration", "TopicConfigurations", "TopicArn", "topicARN"),
    ("LambdaConfiguration", "LambdaFunctionConfigurations", "LambdaFunctionArn", "functionARN"),
)


def optional(client: Any, method: str, **params: Any) -> Any:
    """A Get call's answer, or None when S3 says the bucket has no such configuration."""
    try:
        return call(getattr(client, method), **params)
    except CloudError as error:
        if error.code in NOT_CONFIGURED:
            return None
        raise


def bucket_region(location: Mapping[str, Any]) -> str:
    constraint = location.get("LocationConstraint")
    if not constraint:
        return "us-east-1"
    return "eu-west-1" if constraint == "EU" else str(constraint)


def grantee(raw: Mapping[str, Any]) -> Any:
    if raw.get("Type") == "Group":  # http://acs.amazonaws.com/groups/global/AllUsers -> "AllUsers"
        return str(raw.get("URI", "")).rsplit("/", 1)[-1]
    if raw.get("Type") == "AmazonCustomerByEmail":
        return {"identifier": raw.get("EmailAddress"), "typeIdentifier": "emailAddress"}
    return {"id": raw.get("ID"), "displayName": raw.get("DisplayName")}


def access_control_list(acl: Mapping[str, Any]) -> str:
    owner = acl.get("Owner") or {}
    value = {
        "grantSet": None,
        "grantList": [
            {
                "grantee": grantee(g.get("Grantee") or {}),
                "permission": PERMISSIONS.get(g["Permission"], g["Permission"]),
            }
            for g in acl.get("Grants") or []
        ],
        "owner": {"displayName": owner.get("DisplayName"), "id": owner.get("ID")},
        "isRequesterCharged": False,
    }
    return json.dumps(value, separators=(",", ":"))


def encryption(raw: Mapping[str, Any]) -> dict[str, Any]:
    rules = []
    for rule in raw.get("Rules") or []:
        default = rule.get("ApplyServerSideEncryptionByDefault") or {}
        rules.append(
            {
                # "kmsMasterKeyID", not the "kMSMasterKeyID" plain camel-casing would give.
                "applyServerSideEncryptionByDefault": {
                    "sseAlgorithm": default.get("SSEAlgorithm"),
                    "kmsMasterKeyID": default.get("KMSMasterKeyID"),
                },
                "bucketKeyEnabled": bool(rule.get("BucketKeyEnabled", False)),
            }
        )
    return {"rules": rules}


def notifications(raw: Mapping[str, Any]) -> dict[str, Any]:
    configurations: dict[str, Any] = {}
    for kind, key, arn_field, config_arn in NOTIFICATIONS:
        for number, found in enumerate(raw.get(key) or []):
            rules = [{"name": r["Name"], "value": r["Value"]} for r in dig(found, "Filter.Key.FilterRules[]")]
            configurations[str(found.get("Id") or f"{kind}-{number}")] = {
                "events": list(found.get("Events") or []),
                "filter": {"s3KeyFilter": {"filterRules": rules}} if rules else None,
                "objectPrefixes": [],
                config_arn: found.get(arn_field),
                "type": kind,
            }
    return {"configurations": configurations}


@COLLECTORS.register("AWS::S3::Bucket")
class S3BucketCollector(ListCollector):
    resource_type = "AWS::S3::Bucket"
    default_zone = "Regional"
    service = "s3"
    list_call = "list_buckets"
    list_key = "Buckets"
    id_field = "Name"
    name_field = "Name"
    creation_time_field = "CreationDate"

    def collect(self, ctx: CollectContext) -> Iterator[CollectedResource]:
        client = ctx.client(self.service)
        for raw in paginate(client, self.list_call, self.list_key):
            found = self.read(ctx, client, raw)
            if found is not None:
                yield found

    def collect_one(self, ctx: CollectContext, resource_id: str) -> CollectedResource | None:
        client = ctx.client(self.service)
        for raw in paginate(client, self.list_call, self.list_key):
            if raw["Name"] == resource_id:
                return self.read(ctx, client, raw)
        return None

    def read(self, ctx: CollectContext, client: Any, raw: Mapping[str, Any]) -> CollectedResource | None:
        """One bucket of the listing: its state, None if it is not in this region (or gone)."""
        name = str(raw["Name"])
        try:
            # Newer ListBuckets answers carry the region; older ones (and moto) need the extra call.
            region = raw.get("BucketRegion") or bucket_region(call(client.get_bucket_location, Bucket=name))
            if region != ctx.region:
                return None
            return self.build(ctx, raw)
        except CloudError as error:
            if error.code == "NoSuchBucket":
                return None
            return ResourceFailure(name, error)

    def arn(self, ctx: CollectContext, raw: Mapping[str, Any]) -> str:
        return f"arn:{ctx.partition}:s3:::{raw['Name']}"

    def describe(self, ctx: CollectContext, raw: Mapping[str, Any]) -> dict[str, Any]:
        client = ctx.client(self.service)
        bucket = {"Bucket": raw["Name"]}
        return {
            "acl": call(client.get_bucket_acl, **bucket),
            "policy": optional(client, "get_bucket_policy", **bucket),
            "encryption": optional(client, "get_bucket_encryption", **bucket),
            "versioning": call(client.get_bucket_versioning, **bucket),
            "public_access_block": optional(client, "get_public_access_block", **bucket),
            "logging": call(client.get_bucket_logging, **bucket),
            "tagging": optional(client, "get_bucket_tagging", **bucket),
            "notification": call(client.get_bucket_notification_configuration, **bucket),
            "request_payment": call(client.get_bucket_request_payment, **bucket),
            "object_lock": optional(client, "get_object_lock_configuration", **bucket),
        }

    def tags(self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]) -> dict[str, str]:
        return tag_dict((details["tagging"] or {}).get("TagSet"))

    def configuration(
        self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]
    ) -> dict[str, Any]:
        owner = details["acl"].get("Owner") or {}
        return {
            "name": raw["Name"],
            "owner": {"displayName": owner.get("DisplayName"), "id": owner.get("ID")},
            "creationDate": json_value(raw.get("CreationDate")),
        }

    def supplementary(
        self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]
    ) -> dict[str, Any]:
        versioning = details["versioning"]
        mfa_delete = versioning.get("MFADelete")
        logging = details["logging"].get("LoggingEnabled") or {}
        policy = details["policy"]
        found: dict[str, Any] = {
            "AccessControlList": access_control_list(details["acl"]),
            "BucketLoggingConfiguration": {
                "destinationBucketName": logging.get("TargetBucket"),
                "logFilePrefix": logging.get("TargetPrefix"),
            },
            "BucketNotificationConfiguration": notifications(details["notification"]),
            "BucketPolicy": {"policyText": policy.get("Policy") if policy else None},
            # A bucket never versioned has no Status; AWS Config calls that "Off".
            "BucketVersioningConfiguration": {
                "status": versioning.get("Status") or "Off",
                "isMfaDeleteEnabled": None if mfa_delete is None else mfa_delete == "Enabled",
            },
            # GetBucketRequestPayment's Payer is "BucketOwner" unless requester pays (moto omits it).
            "IsRequesterPaysEnabled": details["request_payment"].get("Payer") == "Requester",
        }
        if details["encryption"]:
            found["ServerSideEncryptionConfiguration"] = encryption(
                details["encryption"]["ServerSideEncryptionConfiguration"]
            )
        if details["public_access_block"]:
            found["PublicAccessBlockConfiguration"] = camelize(
                details["public_access_block"]["PublicAccessBlockConfiguration"]
            )
        if details["object_lock"]:
            found["ObjectLockConfiguration"] = camelize(details["object_lock"]["ObjectLockConfiguration"])
        tags = self.tags(ctx, raw, details)
        if tags:
            found["BucketTaggingConfiguration"] = {"tagSets": [{"tags": tags}]}
        return found
