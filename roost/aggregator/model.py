"""Aggregation's domain: aggregators, their sources, authorizations and the status of each source."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


@dataclass(frozen=True)
class AccountSource:
    """Individual accounts, in the listed regions or in every region (regions added later included)."""

    account_ids: tuple[str, ...]
    all_aws_regions: bool = False
    aws_regions: tuple[str, ...] = ()


@dataclass(frozen=True)
class OrganizationSource:
    """Every member account of the aggregator account's organization (listed through RoleArn)."""

    role_arn: str
    all_aws_regions: bool = False
    aws_regions: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConfigurationAggregator:
    account_id: str
    region: str
    name: str
    arn: str
    creation_time: datetime
    last_updated_time: datetime
    account_sources: tuple[AccountSource, ...] = ()
    organization_source: OrganizationSource | None = None
    resource_types: tuple[str, ...] | None = None
    """AggregatorFilters.ResourceType (INCLUDE): only these types; None means every type."""
    service_principals: tuple[str, ...] | None = None
    """AggregatorFilters.ServicePrincipal (INCLUDE), kept and shown (roost records no service-linked
    recorders, so it selects nothing more)."""
    created_by: str | None = None


@dataclass(frozen=True)
class AggregationAuthorization:
    """Granted by the source (account_id, region) to the aggregator account's region."""

    account_id: str
    region: str
    authorized_account_id: str
    authorized_aws_region: str
    creation_time: datetime

    @property
    def arn(self) -> str:
        return (
            f"arn:aws:config:{self.region}:{self.account_id}:aggregation-authorization/"
            f"{self.authorized_account_id}/{self.authorized_aws_region}"
        )


class SourceType(Enum):
    ACCOUNT = "ACCOUNT"
    ORGANIZATION = "ORGANIZATION"


class UpdateStatus(Enum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    OUTDATED = "OUTDATED"


@dataclass(frozen=True)
class SourceStatus:
    """One (account, region) source of an aggregator, and whether its data is in the view."""

    source_id: str
    source_type: SourceType
    account_id: str
    region: str
    status: UpdateStatus
    last_update_time: datetime
    error_code: str | None = None
    error_message: str | None = None

    @property
    def visible(self) -> bool:
        return self.status is UpdateStatus.SUCCEEDED
