"""Domain types: configuration items, their keys, relationships and diffs.

No I/O here: no boto3, no SQL, no wire casing. `api/` alone turns these into AWS's JSON dialects
(the API shape, the record shape used in events, SNS and S3). Field names follow AWS Config's
vocabulary in snake_case so the mapping to either dialect is mechanical.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

#: The configuration item schema version roost writes (AWS's current one).
ITEM_VERSION = "1.3"

#: AWS writes this in `availabilityZone` for resources that do not live in a zone.
NOT_APPLICABLE_ZONE = "Not Applicable"

#: `awsRegion` of global resources (IAM), which AWS records once per account.
GLOBAL_REGION = "global"

#: The resource types AWS treats as global: recorded once per account, in one region.
GLOBAL_RESOURCE_TYPES = frozenset({"AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Role", "AWS::IAM::Policy"})

_HASH_ENCODER = json.JSONEncoder(separators=(",", ":"), sort_keys=True, default=str)

JSONValue = Any
"""A value that survives `json.dumps`: dict, list, str, int, float, bool or None."""


class ItemStatus(StrEnum):
    """`configurationItemStatus`, with AWS's exact values."""

    OK = "OK"
    RESOURCE_DISCOVERED = "ResourceDiscovered"
    RESOURCE_NOT_RECORDED = "ResourceNotRecorded"
    RESOURCE_DELETED = "ResourceDeleted"
    RESOURCE_DELETED_NOT_RECORDED = "ResourceDeletedNotRecorded"

    @property
    def is_deletion(self) -> bool:
        return self in (ItemStatus.RESOURCE_DELETED, ItemStatus.RESOURCE_DELETED_NOT_RECORDED)


class RecordingFrequency(StrEnum):
    CONTINUOUS = "CONTINUOUS"
    DAILY = "DAILY"


class ChangeType(StrEnum):
    """`changeType` in `configurationItemDiff` and in each changed property."""

    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"


@dataclass(frozen=True, slots=True)
class AccountRegion:
    """One recording source: an account in a region. Everything recorded is scoped by it."""

    account_id: str
    region: str

    def __str__(self) -> str:
        return f"{self.account_id}/{self.region}"


@dataclass(frozen=True, slots=True)
class ResourceKey:
    resource_type: str
    resource_id: str

    def __str__(self) -> str:
        return f"{self.resource_type} {self.resource_id}"


@dataclass(frozen=True, slots=True)
class Relationship:
    """A directed edge from the item's resource, named as AWS names it ("Is contained in Vpc")."""

    resource_type: str
    name: str
    resource_id: str | None = None
    resource_name: str | None = None

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.resource_type, self.resource_id or "", self.resource_name or "", self.name)


@dataclass(frozen=True, slots=True)
class ResourceState:
    """What a collector saw of one resource: everything a configuration item records about it."""

    resource_type: str
    resource_id: str
    resource_name: str | None = None
    arn: str | None = None
    availability_zone: str = NOT_APPLICABLE_ZONE
    resource_creation_time: datetime | None = None
    tags: dict[str, str] = field(default_factory=dict)
    relationships: tuple[Relationship, ...] = ()
    configuration: dict[str, JSONValue] | None = None
    supplementary_configuration: dict[str, JSONValue] = field(default_factory=dict)

    @property
    def key(self) -> ResourceKey:
        return ResourceKey(self.resource_type, self.resource_id)

    def content_hash(self) -> str:
        """A digest of exactly what decides whether a new item is written.

        AWS writes a new item when the configuration, supplementary configuration, tags or
        relationships change; names, ARNs and creation times follow from those.
        """
        payload = _HASH_ENCODER.encode(
            [
                self.configuration,
                self.supplementary_configuration,
                self.tags,
                [r.sort_key() for r in sorted(self.relationships, key=Relationship.sort_key)],
            ]
        )
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class PropertyChange:
    previous_value: JSONValue
    updated_value: JSONValue
    change_type: ChangeType


@dataclass(frozen=True, slots=True)
class ItemDiff:
    """`configurationItemDiff`: what changed between an item and the one before it."""

    change_type: ChangeType
    changed_properties: dict[str, PropertyChange] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ConfigurationItem:
    """One recorded version of one resource, with every field AWS Config records."""

    account_id: str
    region: str
    """The region the item is recorded in (its scope). Equal to `aws_region` except for global types."""
    resource_type: str
    resource_id: str
    capture_time: datetime
    status: ItemStatus
    configuration_state_id: int
    aws_region: str
    resource_name: str | None = None
    arn: str | None = None
    availability_zone: str = NOT_APPLICABLE_ZONE
    resource_creation_time: datetime | None = None
    tags: dict[str, str] = field(default_factory=dict)
    related_events: tuple[str, ...] = ()
    relationships: tuple[Relationship, ...] = ()
    configuration: dict[str, JSONValue] | None = None
    supplementary_configuration: dict[str, JSONValue] = field(default_factory=dict)
    version: str = ITEM_VERSION
    md5_hash: str = ""
    """`configurationItemMD5Hash`: empty since item version 1.3, as in AWS."""
    recording_frequency: RecordingFrequency = RecordingFrequency.CONTINUOUS
    delivery_time: datetime | None = None
    """`configurationItemDeliveryTime`, set for DAILY items only."""
    diff: ItemDiff | None = None
    """The change from the previous item (None for items written before diffs were kept)."""

    @property
    def key(self) -> ResourceKey:
        return ResourceKey(self.resource_type, self.resource_id)

    @property
    def source(self) -> AccountRegion:
        return AccountRegion(self.account_id, self.region)

    def state(self) -> ResourceState:
        """The resource as this item recorded it (for diffing against what is collected next)."""
        return ResourceState(
            resource_type=self.resource_type,
            resource_id=self.resource_id,
            resource_name=self.resource_name,
            arn=self.arn,
            availability_zone=self.availability_zone,
            resource_creation_time=self.resource_creation_time,
            tags=dict(self.tags),
            relationships=self.relationships,
            configuration=self.configuration,
            supplementary_configuration=dict(self.supplementary_configuration),
        )


@dataclass(frozen=True, slots=True)
class DiscoveredResource:
    """The current state of one resource as recorded: what ListDiscoveredResources lists."""

    account_id: str
    region: str
    resource_type: str
    resource_id: str
    resource_name: str | None
    status: ItemStatus
    configuration_state_id: int
    content_hash: str
    last_capture_time: datetime
    deletion_time: datetime | None = None

    @property
    def key(self) -> ResourceKey:
        return ResourceKey(self.resource_type, self.resource_id)

    @property
    def is_deleted(self) -> bool:
        return self.status.is_deletion


# --- Recorders and delivery channels ---------------------------------------------------------


class RecordingStrategy(StrEnum):
    ALL_SUPPORTED_RESOURCE_TYPES = "ALL_SUPPORTED_RESOURCE_TYPES"
    INCLUSION_BY_RESOURCE_TYPES = "INCLUSION_BY_RESOURCE_TYPES"
    EXCLUSION_BY_RESOURCE_TYPES = "EXCLUSION_BY_RESOURCE_TYPES"


@dataclass(frozen=True, slots=True)
class RecordingGroup:
    """`recordingGroup`. The defaults are what AWS uses when the group is omitted."""

    all_supported: bool = True
    include_global_resource_types: bool = False
    resource_types: tuple[str, ...] = ()
    exclusion_resource_types: tuple[str, ...] = ()
    strategy: RecordingStrategy = RecordingStrategy.ALL_SUPPORTED_RESOURCE_TYPES


@dataclass(frozen=True, slots=True)
class RecordingModeOverride:
    resource_types: tuple[str, ...]
    recording_frequency: RecordingFrequency
    description: str | None = None


@dataclass(frozen=True, slots=True)
class RecordingMode:
    recording_frequency: RecordingFrequency = RecordingFrequency.CONTINUOUS
    overrides: tuple[RecordingModeOverride, ...] = ()

    def frequency_for(self, resource_type: str) -> RecordingFrequency:
        for override in self.overrides:
            if resource_type in override.resource_types:
                return override.recording_frequency
        return self.recording_frequency


@dataclass(frozen=True, slots=True)
class ConfigurationRecorder:
    account_id: str
    region: str
    name: str = "default"
    role_arn: str = ""
    recording_group: RecordingGroup = field(default_factory=RecordingGroup)
    recording_mode: RecordingMode = field(default_factory=RecordingMode)

    @property
    def source(self) -> AccountRegion:
        return AccountRegion(self.account_id, self.region)

    @property
    def arn(self) -> str:
        return f"arn:aws:config:{self.region}:{self.account_id}:configuration-recorder/{self.name}"


class RecorderLastStatus(StrEnum):
    PENDING = "Pending"
    SUCCESS = "Success"
    FAILURE = "Failure"
    NOT_APPLICABLE = "NotApplicable"


@dataclass(frozen=True, slots=True)
class RecorderStatus:
    name: str
    recording: bool = False
    last_status: RecorderLastStatus = RecorderLastStatus.NOT_APPLICABLE
    last_start_time: datetime | None = None
    last_stop_time: datetime | None = None
    last_status_change_time: datetime | None = None
    last_error_code: str | None = None
    last_error_message: str | None = None


@dataclass(frozen=True, slots=True)
class CollectionError:
    """A failure of one collection (a whole type, or one resource of it), shown in the status."""

    resource_type: str
    resource_id: str | None
    error_code: str
    error_message: str
    time: datetime


class DeliveryFrequency(StrEnum):
    One_Hour = "One_Hour"
    Three_Hours = "Three_Hours"
    Six_Hours = "Six_Hours"
    Twelve_Hours = "Twelve_Hours"
    TwentyFour_Hours = "TwentyFour_Hours"

    @property
    def seconds(self) -> int:
        hours = {"One": 1, "Three": 3, "Six": 6, "Twelve": 12, "TwentyFour": 24}[self.value.split("_")[0]]
        return hours * 3600


@dataclass(frozen=True, slots=True)
class DeliveryChannel:
    account_id: str
    region: str
    s3_bucket_name: str
    name: str = "default"
    s3_key_prefix: str | None = None
    s3_kms_key_arn: str | None = None
    sns_topic_arn: str | None = None
    delivery_frequency: DeliveryFrequency = DeliveryFrequency.TwentyFour_Hours

    @property
    def source(self) -> AccountRegion:
        return AccountRegion(self.account_id, self.region)


class DeliveryLastStatus(StrEnum):
    SUCCESS = "Success"
    FAILURE = "Failure"
    NOT_APPLICABLE = "Not_Applicable"


@dataclass(frozen=True, slots=True)
class DeliveryInfo:
    """`ConfigExportDeliveryInfo` (history, snapshot) or `ConfigStreamDeliveryInfo` (SNS)."""

    last_status: DeliveryLastStatus = DeliveryLastStatus.NOT_APPLICABLE
    last_error_code: str | None = None
    last_error_message: str | None = None
    last_attempt_time: datetime | None = None
    last_successful_time: datetime | None = None
    next_delivery_time: datetime | None = None


@dataclass(frozen=True, slots=True)
class DeliveryChannelStatus:
    name: str
    config_history: DeliveryInfo = field(default_factory=DeliveryInfo)
    config_snapshot: DeliveryInfo = field(default_factory=DeliveryInfo)
    config_stream: DeliveryInfo = field(default_factory=DeliveryInfo)


def service_linked_role(account_id: str) -> str:
    """AWS Config's service-linked role in an account (the recorder's default role)."""
    return f"arn:aws:iam::{account_id}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
