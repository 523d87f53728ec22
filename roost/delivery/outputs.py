"""The two outputs of a delivery channel: its S3 bucket and (optionally) its SNS topic.

Both are reached with the credentials of the channel's account through the CloudConnector. Every
botocore failure comes out as a roost CloudError carrying AWS's error code (`NoSuchBucket`,
`NotFound`, `AccessDenied`, `EndpointConnectionError`, …) so it can be shown in the channel status.
"""

from __future__ import annotations

from typing import IO, Any

import botocore.exceptions

from roost.cloud import CloudConnector, describe_error
from roost.delivery.files import encode_json
from roost.errors import CloudError
from roost.model import DeliveryChannel

#: AWS Config writes every object with this canned ACL; AWS's recommended bucket policy requires it.
_OBJECT_ACL = "bucket-owner-full-control"


def topic_region(topic_arn: str) -> str:
    """The region of an SNS topic ARN (`arn:aws:sns:<region>:<account>:<name>`)."""
    parts = topic_arn.split(":")
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sns" or not parts[3]:
        raise CloudError("InvalidSNSTopicARNException", f"not an SNS topic ARN: {topic_arn!r}")
    return parts[3]


class ChannelOutputs:
    def __init__(self, connector: CloudConnector, channel: DeliveryChannel) -> None:
        self._connector = connector
        self.channel = channel

    @property
    def bucket(self) -> str:
        return self.channel.s3_bucket_name

    @property
    def topic_arn(self) -> str | None:
        return self.channel.sns_topic_arn or None

    def location(self, key: str) -> str:
        """`<bucket>/<key>`, as AWS writes S3 locations in notifications."""
        return f"{self.bucket}/{key}"

    def put_object(self, key: str, body: bytes | IO[bytes]) -> None:
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key, "Body": body, "ACL": _OBJECT_ACL}
        if self.channel.s3_kms_key_arn:
            params["ServerSideEncryption"] = "aws:kms"
            params["SSEKMSKeyId"] = self.channel.s3_kms_key_arn
        try:
            s3 = self._connector.client(self.channel.account_id, self.channel.region, "s3")
            s3.put_object(**params)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            raise describe_error(exc) from None

    def check_topic(self) -> None:
        """Raise a CloudError unless the channel's topic exists and can be read (no topic: nothing to do)."""
        topic = self.topic_arn
        if topic is None:
            return
        try:
            self._sns(topic).get_topic_attributes(TopicArn=topic)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            raise describe_error(exc) from None

    def publish(self, subject: str, message: dict[str, Any] | bytes) -> None:
        """Publish one message to the channel's topic (which the caller has checked is set)."""
        topic = self.topic_arn
        if topic is None:
            raise CloudError("NoTopic", f"delivery channel {self.channel.name} has no SNS topic")
        body = message if isinstance(message, bytes) else encode_json(message)
        try:
            self._sns(topic).publish(TopicArn=topic, Subject=subject, Message=body.decode())
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            raise describe_error(exc) from None

    def _sns(self, topic_arn: str) -> Any:
        return self._connector.client(self.channel.account_id, topic_region(topic_arn), "sns")
