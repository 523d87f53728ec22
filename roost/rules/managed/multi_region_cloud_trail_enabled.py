"""multi-region-cloudtrail-enabled (MULTI_REGION_CLOUD_TRAIL_ENABLED): a logging multi-region trail.

Account-level and periodic: one verdict for AWS::::Account. COMPLIANT when some trail visible in the
region (DescribeTrails with shadow trails) is multi-region, is logging (GetTrailStatus IsLogging)
and matches every parameter given: s3BucketName, snsTopicArn, cloudWatchLogsLogGroupArn equal the
trail's; includeManagementEvents (true) needs a selector recording management events; readWriteType
(ReadOnly, WriteOnly or All) needs a management-event selector of that type, a selector recording
All satisfying ReadOnly and WriteOnly too. A trail without event selectors records all management
events (CloudTrail's default). Advanced event selectors are read too: eventCategory = Management,
with readOnly = true / false narrowing the type.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from roost.compliance import ComplianceType
from roost.errors import CloudError
from roost.model import ConfigurationItem
from roost.recorder.collector import call, is_not_found
from roost.rules.managed_rule import (
    MANAGED_RULES,
    InvalidParameterError,
    ManagedRule,
    Parameter,
    RuleContext,
    Trigger,
    Verdict,
)

ACCOUNT = "AWS::::Account"
#: parameter -> DescribeTrails field it must equal
MATCHED = {
    "s3BucketName": "S3BucketName",
    "snsTopicArn": "SnsTopicARN",
    "cloudWatchLogsLogGroupArn": "CloudWatchLogsLogGroupArn",
}
READ_WRITE = {"readonly": "ReadOnly", "writeonly": "WriteOnly", "all": "All"}


def management_types(selectors: dict[str, Any]) -> set[str]:
    """The ReadWriteTypes of management events the trail records ("All", "ReadOnly", "WriteOnly")."""
    basic = selectors.get("EventSelectors")
    advanced = selectors.get("AdvancedEventSelectors")
    if not basic and not advanced:
        return {"All"}
    found: set[str] = set()
    for selector in basic or []:
        if selector.get("IncludeManagementEvents", True):
            found.add(str(selector.get("ReadWriteType") or "All"))
    for selector in advanced or []:
        fields = {f.get("Field"): f for f in selector.get("FieldSelectors") or []}
        category = fields.get("eventCategory") or {}
        if "Management" not in (category.get("Equals") or []):
            continue
        read_only = [str(v).lower() for v in (fields.get("readOnly") or {}).get("Equals") or []]
        found.add("ReadOnly" if read_only == ["true"] else "WriteOnly" if read_only == ["false"] else "All")
    return found


@MANAGED_RULES.register("MULTI_REGION_CLOUD_TRAIL_ENABLED")
class MultiRegionCloudTrailEnabled(ManagedRule):
    identifier = "MULTI_REGION_CLOUD_TRAIL_ENABLED"
    name = "multi-region-cloudtrail-enabled"
    resource_types = ()
    triggers = frozenset({Trigger.PERIODIC})
    parameters = (
        *(Parameter(name) for name in MATCHED),
        Parameter("includeManagementEvents", "boolean"),
        Parameter("readWriteType"),
    )

    def evaluate_periodic(self, ctx: RuleContext, items: Sequence[ConfigurationItem]) -> list[Verdict]:
        account = ctx.source.account_id
        wanted_type = ctx.params.get("readWriteType")
        if wanted_type and wanted_type.lower() not in READ_WRITE:
            raise InvalidParameterError("readWriteType must be ReadOnly, WriteOnly or All")
        wanted_type = READ_WRITE[wanted_type.lower()] if wanted_type else None
        client = ctx.client("cloudtrail")
        trails = call(client.describe_trails, includeShadowTrails=True).get("trailList") or []
        for trail in trails:
            if not trail.get("IsMultiRegionTrail"):
                continue
            if any(
                ctx.params.get(name) and trail.get(field) != ctx.params[name]
                for name, field in MATCHED.items()
            ):
                continue
            name = trail.get("TrailARN") or trail["Name"]
            try:
                if not call(client.get_trail_status, Name=name).get("IsLogging"):
                    continue
                if ctx.params.get("includeManagementEvents") or wanted_type:
                    types = management_types(call(client.get_event_selectors, TrailName=name))
                    if not types:
                        continue
                    if wanted_type and not ({wanted_type, "All"} & types):
                        continue
            except CloudError as error:
                if is_not_found(error):  # deleted meanwhile
                    continue
                raise
            return [Verdict(ComplianceType.COMPLIANT, None, ACCOUNT, account)]
        annotation = "No multi-region CloudTrail trail is logging with the required settings."
        return [Verdict(ComplianceType.NON_COMPLIANT, annotation, ACCOUNT, account)]
