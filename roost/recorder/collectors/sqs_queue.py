"""AWS::SQS::Queue.

AWS Config keys a queue by its URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`) and names
it by the queue name. The configuration keeps GetQueueAttributes' names as they are (`QueueArn`,
`KmsMasterKeyId`, `VisibilityTimeout`, ...: aws-config-resource-schema, AWS::SQS::Queue) plus
`QueueUrl` and `QueueName`; numeric attributes become integers, the timestamps ISO times, and flags
such as `FifoQueue` and `SqsManagedSseEnabled` stay the strings SQS returns, as in AWS Config.

The id is built from the region and the URL's path (`/<account>/<name>`) rather than copied from
ListQueues: an SQS endpoint other than AWS's (moto, LocalStack) answers with URLs on its own host
and port, which would give every queue a new id whenever the endpoint moved. On AWS the two agree.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
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
from roost.recorder.shape import json_value, parse_time

#: Message counts change with traffic: state, not configuration (and not in AWS Config's schema).
COUNTERS = frozenset(
    {
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesDelayed",
        "ApproximateNumberOfMessagesNotVisible",
    }
)
INTEGER_ATTRIBUTES = frozenset(
    {
        "DelaySeconds",
        "KmsDataKeyReusePeriodSeconds",
        "MaximumMessageSize",
        "MessageRetentionPeriod",
        "ReceiveMessageWaitTimeSeconds",
        "VisibilityTimeout",
    }
)
TIME_ATTRIBUTES = frozenset({"CreatedTimestamp", "LastModifiedTimestamp"})


def owner_and_name(url: str) -> tuple[str, str] | None:
    """(account, queue name) from any queue URL: its path is always `/<account>/<name>`."""
    parts = url.rstrip("/").split("/")
    return (parts[-2], parts[-1]) if len(parts) >= 2 and parts[-2].isdigit() else None


def queue_url(ctx: CollectContext, account: str, name: str) -> str:
    """AWS's URL of a queue of the collecting region: `https://sqs.us-east-1.amazonaws.com/123/jobs`."""
    domain = "amazonaws.com.cn" if ctx.partition == "aws-cn" else "amazonaws.com"
    return f"https://sqs.{ctx.region}.{domain}/{account}/{name}"


def attribute_value(name: str, value: str) -> Any:
    if name in INTEGER_ATTRIBUTES and value.lstrip("-").isdigit():
        return int(value)
    if name in TIME_ATTRIBUTES:
        # SQS answers epoch seconds as text ("1687853498").
        moment = parse_time(float(value)) if value.replace(".", "", 1).isdigit() else None
        return json_value(moment) if moment is not None else value
    return value


@COLLECTORS.register("AWS::SQS::Queue")
class QueueCollector(ListCollector):
    resource_type = "AWS::SQS::Queue"
    service = "sqs"
    list_call = "list_queues"
    list_key = "QueueUrls"
    # Without MaxResults, ListQueues returns at most 1000 URLs and no NextToken.
    list_params = {"MaxResults": 1000}
    id_field = "QueueUrl"
    name_field = "QueueName"
    arn_field = "QueueArn"
    tags_field = None

    def collect(self, ctx: CollectContext) -> Iterator[CollectedResource]:
        for url in paginate(ctx.client(self.service), self.list_call, self.list_key, **self.list_params):
            found = self._read(ctx, str(url))
            if found is not None:
                yield found

    def collect_one(self, ctx: CollectContext, resource_id: str) -> CollectedResource | None:
        # The id is AWS's form of the URL; ask the endpoint for its own URL of that queue.
        owner = owner_and_name(resource_id)
        if owner is None:
            return None
        account, name = owner
        try:
            found = call(
                ctx.client(self.service).get_queue_url, QueueName=name, QueueOwnerAWSAccountId=account
            )
        except CloudError as error:
            if is_not_found(error):
                return None
            raise
        return self._read(ctx, str(found["QueueUrl"]))

    def _read(self, ctx: CollectContext, endpoint_url: str) -> CollectedResource | None:
        """One queue by the URL its endpoint gave; None when it is gone."""
        owner = owner_and_name(endpoint_url)
        if owner is None:
            return None
        resource_id = queue_url(ctx, *owner)
        try:
            answer = call(
                ctx.client(self.service).get_queue_attributes, QueueUrl=endpoint_url, AttributeNames=["All"]
            )
        except CloudError as error:
            # A failed read keeps the queue's id, so its last recorded state stays as it was.
            return None if is_not_found(error) else ResourceFailure(resource_id, error)
        attributes: dict[str, Any] = dict(answer.get("Attributes", {}))
        raw = {**attributes, "QueueUrl": resource_id, "QueueName": owner[1], "EndpointUrl": endpoint_url}
        return self.build_safely(ctx, raw)

    def creation_time(self, raw: Mapping[str, Any]) -> datetime | None:
        value = str(raw.get("CreatedTimestamp", ""))
        return parse_time(float(value)) if value.replace(".", "", 1).isdigit() else None

    def describe(self, ctx: CollectContext, raw: Mapping[str, Any]) -> dict[str, Any]:
        tags = call(ctx.client(self.service).list_queue_tags, QueueUrl=raw["EndpointUrl"])
        return {"Tags": tags.get("Tags") or {}}

    def tags(self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]) -> dict[str, str]:
        return {str(k): str(v) for k, v in details["Tags"].items()}

    def configuration(
        self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]
    ) -> dict[str, Any]:
        return {
            k: attribute_value(k, str(v)) for k, v in raw.items() if k not in COUNTERS and k != "EndpointUrl"
        }
