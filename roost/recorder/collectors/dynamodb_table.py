"""AWS::DynamoDB::Table.

Resource id and name are the table name, as in AWS Config. The configuration is DescribeTable's
`Table` in the casing AWS Config uses for DynamoDB (and Lambda), which is not `shape.camelize`'s:
those items are serialized from the Java SDK's model beans, which lowers *every* leading capital,
so `SSEDescription` -> `ssedescription`, `KMSMasterKeyArn` -> `kmsmasterKeyArn`, `SSEType` ->
`ssetype` (awslabs/aws-config-resource-schema, AWS::DynamoDB::Table). `bean_camelize` does that.

Point-in-time recovery goes into supplementaryConfiguration.ContinuousBackupsDescription, where
AWS Config keeps it.
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
from roost.recorder.shape import bean_camelize, tag_dict

#: Counters DynamoDB refreshes about every six hours, and PITR's restore window, which moves every
#: second. AWS Config records a table when it changes (API events), so these never cause an item
#: there; polled, they would write one every pass. They are left out for that reason.
VOLATILE_TABLE_FIELDS = frozenset({"ItemCount", "TableSizeBytes", "IndexSizeBytes"})
VOLATILE_BACKUP_FIELDS = frozenset({"EarliestRestorableDateTime", "LatestRestorableDateTime"})


@COLLECTORS.register("AWS::DynamoDB::Table")
class DynamoDbTableCollector(ListCollector):
    resource_type = "AWS::DynamoDB::Table"
    service = "dynamodb"
    list_call = "list_tables"
    list_key = "TableNames"
    id_field = "TableName"
    name_field = "TableName"
    arn_field = "TableArn"
    creation_time_field = "CreationDateTime"
    tags_field = None

    def collect(self, ctx: CollectContext) -> Iterator[CollectedResource]:
        client = ctx.client(self.service)
        for name in paginate(client, self.list_call, self.list_key):
            found = self._read(ctx, str(name))
            if found is not None:
                yield found

    def collect_one(self, ctx: CollectContext, resource_id: str) -> CollectedResource | None:
        return self._read(ctx, resource_id)

    def _read(self, ctx: CollectContext, name: str) -> CollectedResource | None:
        """One table by name; None when it is gone (deleted between listing and reading)."""
        try:
            table = call(ctx.client(self.service).describe_table, TableName=name)["Table"]
        except CloudError as error:
            return None if is_not_found(error) else ResourceFailure(name, error)
        return self.build_safely(ctx, table)

    def describe(self, ctx: CollectContext, raw: Mapping[str, Any]) -> dict[str, Any]:
        client = ctx.client(self.service)
        backups = call(client.describe_continuous_backups, TableName=raw["TableName"])
        tags = list(paginate(client, "list_tags_of_resource", "Tags", ResourceArn=raw["TableArn"]))
        return {"ContinuousBackupsDescription": backups.get("ContinuousBackupsDescription"), "Tags": tags}

    def tags(self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]) -> dict[str, str]:
        return tag_dict(details.get("Tags"))

    def configuration(
        self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]
    ) -> dict[str, Any]:
        result: dict[str, Any] = bean_camelize(raw, drop=VOLATILE_TABLE_FIELDS)
        return result

    def supplementary(
        self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]
    ) -> dict[str, Any]:
        backups = details.get("ContinuousBackupsDescription")
        if backups is None:
            return {}
        return {"ContinuousBackupsDescription": bean_camelize(backups, drop=VOLATILE_BACKUP_FIELDS)}
