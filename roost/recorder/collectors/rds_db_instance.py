"""AWS::RDS::DBInstance.

AWS Config keys a DB instance by its `DbiResourceId` (`db-...`), which survives renames, and names
it by `DBInstanceIdentifier`. The configuration is DescribeDBInstances' object with the first letter
of each key lowered (`dBInstanceClass`, `cACertificateIdentifier`, `dbiResourceId`, `tagList`),
as in the items AWS delivers; the tags appear again in supplementaryConfiguration.Tags.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from roost.errors import CloudError
from roost.recorder.collector import (
    COLLECTORS,
    CollectContext,
    CollectedResource,
    ListCollector,
    Related,
    is_not_found,
    paginate,
)
from roost.recorder.shape import camelize, tag_dict, tag_list

#: Moves forward every few minutes on any instance with backups. AWS Config records instances on
#: change events, so it never causes an item there; polled, it would write one every pass.
VOLATILE_FIELDS = frozenset({"LatestRestorableTime"})


@COLLECTORS.register("AWS::RDS::DBInstance")
class DbInstanceCollector(ListCollector):
    resource_type = "AWS::RDS::DBInstance"
    service = "rds"
    list_call = "describe_db_instances"
    list_key = "DBInstances"
    id_field = "DbiResourceId"
    name_field = "DBInstanceIdentifier"
    arn_field = "DBInstanceArn"
    creation_time_field = "InstanceCreateTime"
    zone_field = "AvailabilityZone"
    tags_field = "TagList"
    relationships = (
        Related(
            "AWS::EC2::SecurityGroup",
            "Is associated with SecurityGroup",
            "VpcSecurityGroups[].VpcSecurityGroupId",
        ),
        Related(
            "AWS::RDS::DBSubnetGroup", "Is associated with DBSubnetGroup", "DBSubnetGroup.DBSubnetGroupName"
        ),
        Related(
            "AWS::RDS::DBSecurityGroup",
            "Is associated with DBSecurityGroup",
            "DBSecurityGroups[].DBSecurityGroupName",
        ),
    )

    def collect_one(self, ctx: CollectContext, resource_id: str) -> CollectedResource | None:
        # DescribeDBInstances selects by identifier, but roost's id is the DbiResourceId: filter on it.
        client = ctx.client(self.service)
        selector = [{"Name": "dbi-resource-id", "Values": [resource_id]}]
        try:
            found = list(paginate(client, self.list_call, self.list_key, Filters=selector))
        except CloudError as error:
            if is_not_found(error):
                return None
            raise
        return self.build_safely(ctx, found[0]) if found else None

    def configuration(
        self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]
    ) -> dict[str, Any]:
        result: dict[str, Any] = camelize({k: v for k, v in raw.items() if k not in VOLATILE_FIELDS})
        # AWS omits MonitoringInterval when enhanced monitoring was never set; AWS Config writes 0.
        result.setdefault("monitoringInterval", 0)
        # AWS always returns PubliclyAccessible; moto omits it unless it was given at creation. It is
        # left out then rather than guessed: a guess of False would read as compliant to a rule.
        result.setdefault("tagList", [])
        return result

    def supplementary(
        self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]
    ) -> dict[str, Any]:
        return {"Tags": tag_list(tag_dict(raw.get("TagList")))}
