"""AWS::SNS::Topic.

AWS Config keys a topic by its ARN and names it by the topic name. Unlike most types, the
configuration keeps GetTopicAttributes' names as they are (`TopicArn`, `DisplayName`,
`KmsMasterKeyId`, `Owner`, `Policy`: aws-config-resource-schema, AWS::SNS::Topic), with the
feedback sample rates as integers. AWS lists no relationships for topics.
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
from roost.recorder.shape import tag_dict

#: Subscription counts are state, not configuration (and not in AWS Config's schema).
COUNTERS = frozenset({"SubscriptionsConfirmed", "SubscriptionsPending", "SubscriptionsDeleted"})


def attribute_value(name: str, value: str) -> Any:
    """SNS returns every attribute as text; AWS Config records the sample rates as integers."""
    if name.endswith("SampleRate") and value.isdigit():
        return int(value)
    return value


@COLLECTORS.register("AWS::SNS::Topic")
class TopicCollector(ListCollector):
    resource_type = "AWS::SNS::Topic"
    service = "sns"
    list_call = "list_topics"
    list_key = "Topics"
    id_field = "TopicArn"
    arn_field = "TopicArn"
    tags_field = None

    def collect(self, ctx: CollectContext) -> Iterator[CollectedResource]:
        for listed in paginate(ctx.client(self.service), self.list_call, self.list_key):
            found = self._read(ctx, str(listed["TopicArn"]))
            if found is not None:
                yield found

    def collect_one(self, ctx: CollectContext, resource_id: str) -> CollectedResource | None:
        return self._read(ctx, resource_id)

    def _read(self, ctx: CollectContext, arn: str) -> CollectedResource | None:
        """One topic by ARN; None when it does not exist."""
        try:
            attributes = call(ctx.client(self.service).get_topic_attributes, TopicArn=arn)["Attributes"]
        except CloudError as error:
            return None if is_not_found(error) else ResourceFailure(arn, error)
        return self.build_safely(ctx, {**attributes, "TopicArn": arn})

    def resource_name(self, raw: Mapping[str, Any]) -> str:
        return str(raw["TopicArn"]).rsplit(":", 1)[-1]

    def describe(self, ctx: CollectContext, raw: Mapping[str, Any]) -> dict[str, Any]:
        tags = call(ctx.client(self.service).list_tags_for_resource, ResourceArn=raw["TopicArn"])
        return {"Tags": tags.get("Tags", [])}

    def tags(self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]) -> dict[str, str]:
        return tag_dict(details.get("Tags"))

    def configuration(
        self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]
    ) -> dict[str, Any]:
        return {k: attribute_value(k, str(v)) for k, v in raw.items() if k not in COUNTERS}
