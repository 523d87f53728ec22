"""Collectors: one per AWS resource type, each in its own file under collectors/.

A collector declares what it reads (service, list call, id/name fields, relationships) as class
attributes and turns one raw API object into a ResourceState. Most types need only the declarations
plus a `configuration` method; the engine (roost/recorder/recorder.py) does diffing and storage.

    @COLLECTORS.register("AWS::EC2::VPC")
    class VpcCollector(ListCollector):
        service = "ec2"
        list_call = "describe_vpcs"
        list_key = "Vpcs"
        id_field = "VpcId"
        one_param = "VpcIds"
        relationships = (...)

A failure reading one resource is yielded as a ResourceFailure (the rest of the type is still
recorded); a failure of the listing itself raises CloudError (the type is skipped this pass and
nothing of it is marked deleted).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import botocore.exceptions

from roost.cloud import describe_error
from roost.errors import CloudError
from roost.model import NOT_APPLICABLE_ZONE, AccountRegion, Relationship, ResourceState
from roost.recorder.shape import camelize, dig, parse_time, tag_dict
from roost.registry import Registry

log = logging.getLogger(__name__)

#: Errors of these codes on a targeted read mean "the resource is gone", not "the read failed".
NOT_FOUND_CODES = frozenset(
    {
        "NoSuchEntity",
        "NoSuchBucket",
        "ResourceNotFoundException",
        "DBInstanceNotFound",
        "DBInstanceNotFoundFault",
        "NotFoundException",
        "NotFound",
        "TrailNotFoundException",
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
    }
)


def is_not_found(error: CloudError) -> bool:
    return (
        error.code in NOT_FOUND_CODES or error.code.endswith(".NotFound") or error.code.endswith("NotFound")
    )


@dataclass(frozen=True, slots=True)
class CollectContext:
    """What a collector may use: the source it reads and boto3 clients for it."""

    source: AccountRegion
    client_factory: Callable[[str], Any]
    partition: str = "aws"

    @property
    def account_id(self) -> str:
        return self.source.account_id

    @property
    def region(self) -> str:
        return self.source.region

    def client(self, service: str) -> Any:
        return self.client_factory(service)


@dataclass(frozen=True, slots=True)
class ResourceFailure:
    """A resource the collector saw but could not read; its last recorded state stays as it was."""

    resource_id: str
    error: CloudError


CollectedResource = ResourceState | ResourceFailure


@dataclass(frozen=True, slots=True)
class Related:
    """A declared relationship: the ids found at `path` in the raw object are `resource_type`s."""

    resource_type: str
    name: str
    path: str


def call(fn: Callable[..., Any], **params: Any) -> Any:
    """Call a boto3 method, raising CloudError (with the AWS code) on failure."""
    try:
        return fn(**params)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        raise describe_error(exc) from None


def paginate(client: Any, method: str, key: str, **params: Any) -> Iterator[Any]:
    """Every element of `key` across all pages of a list/describe call."""
    try:
        if client.can_paginate(method):
            for page in client.get_paginator(method).paginate(**params):
                yield from page.get(key, [])
        else:
            yield from getattr(client, method)(**params).get(key, [])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        raise describe_error(exc) from None


class Collector(ABC):
    """Reads every resource of one type in one (account, region)."""

    resource_type: ClassVar[str]
    service: ClassVar[str]
    #: Global types (IAM) are recorded once per account, with awsRegion "global".
    global_resource: ClassVar[bool] = False
    #: Relationship names this type records, for docs and tests (AWS's wording).
    relationships: ClassVar[tuple[Related, ...]] = ()

    @abstractmethod
    def collect(self, ctx: CollectContext) -> Iterator[CollectedResource]:
        """Every resource of the type. Raises CloudError when the type cannot be listed at all."""

    def collect_one(self, ctx: CollectContext, resource_id: str) -> CollectedResource | None:
        """One resource by id, or None if it does not exist. Default: filter the full listing."""
        for found in self.collect(ctx):
            if found.resource_id == resource_id:
                return found
        return None


class ListCollector(Collector):
    """A collector driven by one list/describe call; override the hooks a type needs."""

    list_call: ClassVar[str]
    list_key: ClassVar[str]
    list_params: ClassVar[Mapping[str, Any]] = {}
    id_field: ClassVar[str]
    name_field: ClassVar[str | None] = None
    #: The list call's parameter that selects ids (e.g. "GroupIds"), for targeted collection.
    one_param: ClassVar[str | None] = None
    arn_field: ClassVar[str | None] = None
    creation_time_field: ClassVar[str | None] = None
    zone_field: ClassVar[str | None] = None
    #: `availabilityZone` when the resource has no zone: AWS writes "Regional" for S3 buckets,
    #: "Multiple Availability Zones" for VPCs, "Not Applicable" for most others.
    default_zone: ClassVar[str] = NOT_APPLICABLE_ZONE
    tags_field: ClassVar[str | None] = "Tags"

    def collect(self, ctx: CollectContext) -> Iterator[CollectedResource]:
        client = ctx.client(self.service)
        for raw in paginate(client, self.list_call, self.list_key, **self.list_params):
            yield self.build_safely(ctx, raw)

    def collect_one(self, ctx: CollectContext, resource_id: str) -> CollectedResource | None:
        if self.one_param is None:
            return super().collect_one(ctx, resource_id)
        client = ctx.client(self.service)
        try:
            found = list(
                paginate(
                    client,
                    self.list_call,
                    self.list_key,
                    **self.list_params,
                    **{self.one_param: [resource_id]},
                )
            )
        except CloudError as error:
            if is_not_found(error):
                return None
            raise
        return self.build_safely(ctx, found[0]) if found else None

    def build_safely(self, ctx: CollectContext, raw: Mapping[str, Any]) -> CollectedResource:
        resource_id = str(raw.get(self.id_field, "?"))
        try:
            return self.build(ctx, raw)
        except CloudError as error:
            return ResourceFailure(resource_id, error)
        except Exception as exc:  # an answer this collector did not expect: fail this resource only
            log.exception("reading %s %s failed", self.resource_type, resource_id)
            return ResourceFailure(
                resource_id,
                CloudError("InternalError", f"{type(exc).__name__}: {exc} (a roost bug: please report it)"),
            )

    def build(self, ctx: CollectContext, raw: Mapping[str, Any]) -> ResourceState:
        details = self.describe(ctx, raw)
        return ResourceState(
            resource_type=self.resource_type,
            resource_id=str(raw[self.id_field]),
            resource_name=self.resource_name(raw),
            arn=self.arn(ctx, raw),
            availability_zone=self.availability_zone(raw),
            resource_creation_time=self.creation_time(raw),
            tags=self.tags(ctx, raw, details),
            relationships=self.relations(ctx, raw, details),
            configuration=self.configuration(ctx, raw, details),
            supplementary_configuration=self.supplementary(ctx, raw, details),
        )

    # --- hooks -----------------------------------------------------------------------------

    def describe(self, ctx: CollectContext, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Extra calls for one resource (attributes, policies...). Raise CloudError on failure."""
        return {}

    def resource_name(self, raw: Mapping[str, Any]) -> str | None:
        if self.name_field is None:
            return None
        value = raw.get(self.name_field)
        return None if value is None else str(value)

    def arn(self, ctx: CollectContext, raw: Mapping[str, Any]) -> str | None:
        return str(raw[self.arn_field]) if self.arn_field and raw.get(self.arn_field) else None

    def availability_zone(self, raw: Mapping[str, Any]) -> str:
        if self.zone_field and raw.get(self.zone_field):
            return str(raw[self.zone_field])
        return self.default_zone

    def creation_time(self, raw: Mapping[str, Any]) -> datetime | None:
        return parse_time(raw.get(self.creation_time_field)) if self.creation_time_field else None

    def tags(self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]) -> dict[str, str]:
        return tag_dict(raw.get(self.tags_field)) if self.tags_field else {}

    def relations(
        self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]
    ) -> tuple[Relationship, ...]:
        found: list[Relationship] = []
        for related in self.relationships:
            for value in dig({**raw, **details}, related.path):
                found.append(
                    Relationship(
                        resource_type=related.resource_type, name=related.name, resource_id=str(value)
                    )
                )
        # One edge per (type, id, name), in a stable order.
        return tuple(sorted(set(found), key=Relationship.sort_key))

    def configuration(
        self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]
    ) -> dict[str, Any]:
        result: dict[str, Any] = camelize({**raw, **details})
        return result

    def supplementary(
        self, ctx: CollectContext, raw: Mapping[str, Any], details: Mapping[str, Any]
    ) -> dict[str, Any]:
        return {}


COLLECTORS: Registry[type[Collector]] = Registry("collector")


def load_collectors() -> Registry[type[Collector]]:
    """The registry with every collector module under roost.recorder.collectors imported."""
    from roost.registry import import_submodules

    import_submodules("roost.recorder.collectors")
    return COLLECTORS
