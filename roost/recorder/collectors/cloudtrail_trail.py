"""AWS::CloudTrail::Trail.

A trail is recorded in its home region only: a multi-region trail shows up in DescribeTrails in
every region (as a "shadow" copy), but AWS Config records it once, where it was created. The
resource id and name are the trail name, the ARN is `TrailARN`.

The configuration is DescribeTrails' object, first letters lowered (`s3BucketName`,
`logFileValidationEnabled`, `isMultiRegionTrail`, `trailARN`, `snsTopicARN`), which is exactly the
field set aws-config-resource-schema lists. AWS Config does not record the trail's logging status
(GetTrailStatus: `isLogging` and delivery times), so neither does roost; rules that need it call
CloudTrail, as AWS's own `cloudtrail-enabled` does. AWS lists no relationships for trails.
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
    call,
    is_not_found,
    paginate,
)
from roost.recorder.shape import tag_dict


@COLLECTORS.register("AWS::CloudTrail::Trail")
class TrailCollector(ListCollector):
    resource_type = "AWS::CloudTrail::Trail"
    service = "cloudtrail"
    list_call = "describe_trails"
    list_key = "trailList"
    list_params = {"includeShadowTrails": False}
    id_field = "Name"
    name_field = "Name"
    arn_field = "TrailARN"
    tags_field = None

    def _trails(self, ctx: CollectContext, **params: Any) -> Iterator[Mapping[str, Any]]:
        client = ctx.client(self.service)
        for trail in paginate(client, self.list_call, self.list_key, **self.list_params, **params):
            # includeShadowTrails=False already keeps home-region trails; checking HomeRegion too
            # guards against an organization trail (or a simulator) that answers otherwise.
            if trail.get("HomeRegion", ctx.region) == ctx.region:
                yield trail

    def collect(self, ctx: CollectContext) -> Iterator[CollectedResource]:
        for trail in self._trails(ctx):
            yield self.build_safely(ctx, trail)

    def collect_one(self, ctx: CollectContext, resource_id: str) -> CollectedResource | None:
        try:
            # moto 5.2.5 ignores trailNameList and returns every trail: the name is checked here.
            found = [t for t in self._trails(ctx, trailNameList=[resource_id]) if t["Name"] == resource_id]
        except CloudError as error:
            if is_not_found(error):
                return None
            raise
        return self.build_safely(ctx, found[0]) if found else None

    def describe(self, ctx: CollectContext, raw: Mapping[str, Any]) -> dict[str, Any]:
        listed = call(ctx.client(self.service).list_tags, ResourceIdList=[raw["TrailARN"]])
        tags = [t for entry in listed.get("ResourceTagList", []) for t in entry.get("TagsList", [])]
        return {"Tags": tags}

    def tags(self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]) -> dict[str, str]:
        return tag_dict(details.get("Tags"))

    def configuration(
        self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]
    ) -> dict[str, Any]:
        # Tags are the item's `tags`, not part of the trail's configuration.
        return super().configuration(ctx, raw, {})
