from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import botocore.exceptions

from roost.model import ItemStatus, ResourceKey
from roost.recorder.recorder import Recorder
from tests.conftest import SOURCE

BUCKET = "AWS::S3::Bucket"
SSL_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": "arn:aws:s3:::secure-data/*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ],
}


def configure_secure_bucket(s3: Any, sqs: Any) -> str:
    """`secure-data` with every supplementary setting, logging to `access-logs`; the queue ARN."""
    s3.create_bucket(Bucket="access-logs")
    s3.put_bucket_acl(Bucket="access-logs", ACL="log-delivery-write")
    s3.create_bucket(Bucket="secure-data")
    s3.put_bucket_policy(Bucket="secure-data", Policy=json.dumps(SSL_ONLY))
    s3.put_bucket_encryption(
        Bucket="secure-data",
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": "alias/data",
                    },
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    s3.put_bucket_versioning(Bucket="secure-data", VersioningConfiguration={"Status": "Enabled"})
    block = {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    s3.put_public_access_block(Bucket="secure-data", PublicAccessBlockConfiguration=block)
    logging = {"LoggingEnabled": {"TargetBucket": "access-logs", "TargetPrefix": "secure-data/"}}
    s3.put_bucket_logging(Bucket="secure-data", BucketLoggingStatus=logging)
    s3.put_bucket_tagging(
        Bucket="secure-data", Tagging={"TagSet": [{"Key": "classification", "Value": "internal"}]}
    )
    queue_url = sqs.create_queue(QueueName="uploads")["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    notification = {"Id": "new-objects", "QueueArn": queue, "Events": ["s3:ObjectCreated:*"]}
    s3.put_bucket_notification_configuration(
        Bucket="secure-data", NotificationConfiguration={"QueueConfigurations": [notification]}
    )
    return str(queue)


def test_configured_bucket_records_aws_configs_supplementary_keys(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    queue = configure_secure_bucket(aws("s3"), aws("sqs"))

    recorder.record_pass(SOURCE, resource_types=[BUCKET])

    item = recorder.store.items.latest_item(SOURCE, ResourceKey(BUCKET, "secure-data"))
    assert item is not None
    assert item.status is ItemStatus.RESOURCE_DISCOVERED
    assert item.resource_name == "secure-data"
    assert item.arn == "arn:aws:s3:::secure-data"
    assert item.availability_zone == "Regional"  # as AWS writes it for a bucket
    assert item.aws_region == "us-east-1"
    assert item.resource_creation_time is not None
    assert item.tags == {"classification": "internal"}
    assert item.configuration is not None and item.configuration["name"] == "secure-data"
    assert item.configuration["creationDate"].endswith("Z")
    extra = item.supplementary_configuration
    assert json.loads(extra["BucketPolicy"]["policyText"]) == SSL_ONLY
    assert extra["ServerSideEncryptionConfiguration"] == {
        "rules": [
            {
                "applyServerSideEncryptionByDefault": {
                    "sseAlgorithm": "aws:kms",
                    "kmsMasterKeyID": "alias/data",
                },
                "bucketKeyEnabled": True,
            }
        ]
    }
    assert extra["BucketVersioningConfiguration"] == {"status": "Enabled", "isMfaDeleteEnabled": None}
    assert extra["PublicAccessBlockConfiguration"] == {
        "blockPublicAcls": True,
        "ignorePublicAcls": True,
        "blockPublicPolicy": True,
        "restrictPublicBuckets": True,
    }
    assert extra["BucketLoggingConfiguration"] == {
        "destinationBucketName": "access-logs",
        "logFilePrefix": "secure-data/",
    }
    assert extra["BucketTaggingConfiguration"] == {"tagSets": [{"tags": {"classification": "internal"}}]}
    assert extra["BucketNotificationConfiguration"] == {
        "configurations": {
            "new-objects": {
                "events": ["s3:ObjectCreated:*"],
                "filter": None,
                "objectPrefixes": [],
                "queueARN": queue,
                "type": "QueueConfiguration",
            }
        }
    }
    assert extra["IsRequesterPaysEnabled"] is False


def test_unconfigured_bucket_records_nulls_and_leaves_keys_out(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket="bare")
    s3.put_bucket_acl(Bucket="bare", ACL="public-read")

    result = recorder.record_pass(SOURCE, resource_types=[BUCKET])

    assert result.errors == []
    item = recorder.store.items.latest_item(SOURCE, ResourceKey(BUCKET, "bare"))
    assert item is not None
    assert item.tags == {}
    extra = item.supplementary_configuration
    # "Not configured" answers (NoSuchBucketPolicy, ...NotFoundError) are state, not failures.
    assert extra["BucketPolicy"] == {"policyText": None}
    assert extra["BucketVersioningConfiguration"] == {"status": "Off", "isMfaDeleteEnabled": None}
    assert extra["BucketLoggingConfiguration"] == {"destinationBucketName": None, "logFilePrefix": None}
    assert extra["BucketNotificationConfiguration"] == {"configurations": {}}
    for absent in (
        "ServerSideEncryptionConfiguration",
        "PublicAccessBlockConfiguration",
        "BucketTaggingConfiguration",
        "ObjectLockConfiguration",
    ):
        assert absent not in extra
    # AWS Config records the ACL as a JSON string inside the item; rules json.loads it.
    acl = json.loads(extra["AccessControlList"])
    owner = acl["owner"]
    assert owner["id"] and item.configuration is not None and item.configuration["owner"] == owner
    grants = [
        (g["grantee"]["id"] if isinstance(g["grantee"], dict) else g["grantee"], g["permission"])
        for g in acl["grantList"]
    ]
    assert grants == [(owner["id"], "FullControl"), ("AllUsers", "Read")]


def test_buckets_of_other_regions_are_not_recorded_here(recorder: Recorder, aws: Callable[..., Any]) -> None:
    aws("s3").create_bucket(Bucket="local-bucket")
    aws("s3", region="ap-northeast-2").create_bucket(
        Bucket="seoul-bucket", CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"}
    )

    recorder.record_pass(SOURCE, resource_types=[BUCKET])

    assert recorder.store.items.latest_item(SOURCE, ResourceKey(BUCKET, "local-bucket")) is not None
    assert recorder.store.items.latest_item(SOURCE, ResourceKey(BUCKET, "seoul-bucket")) is None
    assert recorder.record_resource(SOURCE, ResourceKey(BUCKET, "seoul-bucket")) is None


def test_unchanged_bucket_writes_nothing_and_a_targeted_read_sees_the_policy_go(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket="secure-data")
    s3.put_bucket_policy(Bucket="secure-data", Policy=json.dumps(SSL_ONLY))
    key = ResourceKey(BUCKET, "secure-data")
    recorder.record_pass(SOURCE, resource_types=[BUCKET])

    assert recorder.record_pass(SOURCE, resource_types=[BUCKET]).items_written == 0
    assert recorder.record_resource(SOURCE, key) is None

    s3.delete_bucket_policy(Bucket="secure-data")
    item = recorder.record_resource(SOURCE, key)

    assert item is not None and item.status is ItemStatus.OK
    assert item.supplementary_configuration["BucketPolicy"] == {"policyText": None}
    assert item.diff is not None and item.diff.change_type.value == "UPDATE"
    assert recorder.record_pass(SOURCE, resource_types=[BUCKET]).items_written == 0


def test_deleted_bucket_is_recorded_as_deleted(recorder: Recorder, aws: Callable[..., Any]) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket="scratch")
    s3.create_bucket(Bucket="keeper")
    recorder.record_pass(SOURCE, resource_types=[BUCKET])

    s3.delete_bucket(Bucket="scratch")
    recorder.record_pass(SOURCE, resource_types=[BUCKET])

    history = recorder.store.items.history(SOURCE, ResourceKey(BUCKET, "scratch"))
    assert [i.status for i in history] == [ItemStatus.RESOURCE_DELETED, ItemStatus.RESOURCE_DISCOVERED]
    assert history[0].arn == "arn:aws:s3:::scratch"
    assert len(recorder.store.items.history(SOURCE, ResourceKey(BUCKET, "keeper"))) == 1


def test_a_bucket_that_cannot_be_read_fails_alone(recorder: Recorder, aws: Callable[..., Any]) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket="readable")
    s3.create_bucket(Bucket="locked")
    recorder.record_pass(SOURCE, resource_types=[BUCKET])
    s3.put_bucket_versioning(Bucket="readable", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_versioning(Bucket="locked", VersioningConfiguration={"Status": "Enabled"})

    # moto has no way to deny one bucket's ACL to its owner, so the recorder's own client is made to
    # fail that one call as S3 would (AccessDenied) before the request leaves it.
    def deny(params: dict[str, Any], **_: Any) -> None:
        if params.get("Bucket") == "locked":
            error = {"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}
            raise botocore.exceptions.ClientError(error, "GetBucketAcl")

    client = recorder.connector.client(SOURCE.account_id, SOURCE.region, "s3")
    client.meta.events.register("before-parameter-build.s3.GetBucketAcl", deny)
    try:
        result = recorder.record_pass(SOURCE, resource_types=[BUCKET])
    finally:
        client.meta.events.unregister("before-parameter-build.s3.GetBucketAcl", deny)

    assert [(e.resource_id, e.error_code) for e in result.errors] == [("locked", "AccessDenied")]
    readable = recorder.store.items.latest_item(SOURCE, ResourceKey(BUCKET, "readable"))
    assert readable is not None and readable.status is ItemStatus.OK
    # The unreadable bucket keeps its last item: neither updated nor marked deleted.
    locked = recorder.store.items.history(SOURCE, ResourceKey(BUCKET, "locked"))
    assert [i.status for i in locked] == [ItemStatus.RESOURCE_DISCOVERED]
