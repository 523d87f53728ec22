"""Which (account, region) sources an aggregator covers, and which of them it may show.

- Account sources: the listed accounts in the listed regions, or, with AllAwsRegions, in every
  region where the account records (a region that starts recording later is in at once).
- Organization sources: every member account of the aggregator account's organization, listed
  through AWS Organizations with the aggregator's RoleArn (cached for a few minutes); no
  authorization is needed.
- A source of another account is shown only once that account authorized the aggregator's account
  and region, in that source region (PutAggregationAuthorization); until then its status is FAILED
  and the aggregator appears in the source's pending aggregation requests.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from roost.aggregator.model import (
    ConfigurationAggregator,
    SourceStatus,
    SourceType,
    UpdateStatus,
)
from roost.clock import Clock
from roost.cloud import CloudConnector, describe_error
from roost.errors import ApiError, CloudError
from roost.model import AccountRegion
from roost.store import Store

ORGANIZATION_CACHE_SECONDS = 300.0
NOT_AUTHORIZED = "AUTHORIZATION_NOT_FOUND"


@dataclass(frozen=True)
class OrganizationMembers:
    accounts: tuple[str, ...]
    error: CloudError | None = None


class Aggregation:
    def __init__(self, store: Store, clock: Clock, connector: CloudConnector | None = None) -> None:
        self.store = store
        self.clock = clock
        self.connector = connector
        self._organizations: dict[tuple[str, str, str], tuple[float, OrganizationMembers]] = {}
        self._lock = threading.Lock()

    # --- what an aggregator covers -----------------------------------------------------------

    def recording_regions(self, account_id: str) -> list[str]:
        """Regions where an account records (a recorder, or anything recorded)."""
        return sorted(self._recording_regions().get(account_id, set()))

    def _recording_regions(self) -> dict[str, set[str]]:
        """Every account's recording regions, read once (two queries, whatever the number of accounts)."""
        found: dict[str, set[str]] = {}
        for recorder in self.store.recorders.list():
            found.setdefault(recorder.account_id, set()).add(recorder.region)
        for source in self.store.items.sources():
            found.setdefault(source.account_id, set()).add(source.region)
        return found

    def statuses(self, aggregator: ConfigurationAggregator) -> list[SourceStatus]:
        """Every source of the aggregator with its status, by account and region."""
        now = self.clock.now()
        recording = self._recording_regions()
        own = AccountRegion(aggregator.account_id, aggregator.region)
        authorized = self.store.aggregators.authorized_sources(own)
        found: dict[tuple[str, str], SourceStatus] = {}
        for source in aggregator.account_sources:
            for account in source.account_ids:
                regions = (
                    sorted(recording.get(account, ())) if source.all_aws_regions else list(source.aws_regions)
                )
                for region in regions:
                    allowed = account == aggregator.account_id or AccountRegion(account, region) in authorized
                    found[(account, region)] = SourceStatus(
                        source_id=account,
                        source_type=SourceType.ACCOUNT,
                        account_id=account,
                        region=region,
                        status=UpdateStatus.SUCCEEDED if allowed else UpdateStatus.FAILED,
                        last_update_time=now,
                        error_code=None if allowed else NOT_AUTHORIZED,
                        error_message=None
                        if allowed
                        else (
                            f"Account {account} has not authorized {aggregator.account_id} "
                            f"({aggregator.region}) to aggregate its data in {region}: it calls "
                            "PutAggregationAuthorization there."
                        ),
                    )
        organization = aggregator.organization_source
        if organization is not None:
            members = self.organization_members(aggregator)
            organization_id = f"organization:{aggregator.account_id}"
            if members.error is not None:
                found[(organization_id, aggregator.region)] = SourceStatus(
                    organization_id,
                    SourceType.ORGANIZATION,
                    aggregator.account_id,
                    aggregator.region,
                    UpdateStatus.FAILED,
                    now,
                    members.error.code,
                    members.error.message,
                )
            for account in members.accounts:
                regions = (
                    sorted(recording.get(account, ()))
                    if organization.all_aws_regions
                    else list(organization.aws_regions)
                )
                for region in regions:
                    found.setdefault(
                        (account, region),
                        SourceStatus(
                            account, SourceType.ORGANIZATION, account, region, UpdateStatus.SUCCEEDED, now
                        ),
                    )
        return [found[key] for key in sorted(found)]

    def visible(self, aggregator: ConfigurationAggregator) -> list[AccountRegion]:
        """The sources whose data the aggregator shows."""
        return [AccountRegion(s.account_id, s.region) for s in self.statuses(aggregator) if s.visible]

    # --- organizations -----------------------------------------------------------------------

    def organization_members(
        self, aggregator: ConfigurationAggregator, *, fresh: bool = False
    ) -> OrganizationMembers:
        """The organization's active member accounts, listed with the aggregator's role (cached)."""
        assert aggregator.organization_source is not None
        key = (aggregator.account_id, aggregator.region, aggregator.organization_source.role_arn)
        with self._lock:
            cached = self._organizations.get(key)
        if cached is not None and not fresh and time.monotonic() - cached[0] < ORGANIZATION_CACHE_SECONDS:
            return cached[1]
        try:
            members = OrganizationMembers(tuple(self._list_accounts(aggregator)))
        except CloudError as error:
            members = OrganizationMembers((), error)
        with self._lock:
            self._organizations[key] = (time.monotonic(), members)
        return members

    def _list_accounts(self, aggregator: ConfigurationAggregator) -> list[str]:
        if self.connector is None:
            raise CloudError(
                "NoAvailableOrganizationException", "roost reaches no cloud to ask AWS Organizations."
            )
        assert aggregator.organization_source is not None
        role_account = aggregator.organization_source.role_arn.split(":")[4:5]
        if role_account != [aggregator.account_id]:
            # Another account's role would show its organization to whoever names it.
            raise CloudError(
                "AccessDeniedException",
                f"The role {aggregator.organization_source.role_arn} is not a role of account "
                f"{aggregator.account_id}, the aggregator's.",
            )
        try:
            client = self.connector.client_as(
                aggregator.account_id,
                aggregator.region,
                "organizations",
                aggregator.organization_source.role_arn,
            )
            # Not in an organization: AWS answers AWSOrganizationsNotInUseException here (its
            # ListAccounts does too, the sandbox's answers an empty list).
            organization = client.describe_organization()["Organization"]
            if organization.get("MasterAccountId") != aggregator.account_id and not self._delegated(
                client, aggregator
            ):
                raise CloudError(
                    "AccessDeniedException",
                    f"Account {aggregator.account_id} is neither the management account of organization "
                    f"{organization.get('Id')} nor a delegated administrator of AWS Config.",
                )
            pages = client.get_paginator("list_accounts").paginate()
            return sorted(
                a["Id"] for page in pages for a in page["Accounts"] if a.get("Status", "ACTIVE") == "ACTIVE"
            )
        except Exception as exc:  # botocore's errors, or an account roost does not reach
            raise describe_error(exc) from None

    @staticmethod
    def _delegated(client: Any, aggregator: ConfigurationAggregator) -> bool:
        """Whether the aggregator's account is a registered delegated administrator for AWS Config."""
        try:
            found = client.list_delegated_administrators(ServicePrincipal="config.amazonaws.com")
        except Exception:
            return False
        return any(a.get("Id") == aggregator.account_id for a in found.get("DelegatedAdministrators", []))

    def check_organization(self, aggregator: ConfigurationAggregator) -> None:
        """What PutConfigurationAggregator checks of an organization source, with AWS's errors."""
        members = self.organization_members(aggregator, fresh=True)
        error = members.error
        if error is None:
            return
        if error.code in ("AWSOrganizationsNotInUseException", "NoAvailableOrganizationException"):
            raise ApiError(
                "NoAvailableOrganizationException",
                f"Account {aggregator.account_id} is not in an organization: {error.message}",
            )
        if error.code in ("AccessDeniedException", "AccessDenied", "AccessDeniedForDependencyException"):
            raise ApiError(
                "OrganizationAccessDeniedException",
                "The aggregator's role cannot list the organization's accounts (only the management "
                f"account or a delegated administrator can): {error.message}",
            )
        raise ApiError(
            "InvalidRoleException", f"The role could not list the organization's accounts: {error.message}"
        )

    # --- the source's side -------------------------------------------------------------------

    def pending_requests(self, source: AccountRegion) -> list[AccountRegion]:
        """Aggregators (account, region) that include `source` but it has not authorized nor dismissed."""
        authorized = {
            AccountRegion(a.authorized_account_id, a.authorized_aws_region)
            for a in self.store.aggregators.authorizations(source)
        }
        dismissed = self.store.aggregators.dismissed(source)
        found: set[AccountRegion] = set()
        for aggregator in self.store.aggregators.list():
            requester = AccountRegion(aggregator.account_id, aggregator.region)
            if requester.account_id == source.account_id or requester in authorized | dismissed:
                continue
            for account_source in aggregator.account_sources:
                covers = account_source.all_aws_regions or source.region in account_source.aws_regions
                if source.account_id in account_source.account_ids and covers:
                    found.add(requester)
        return sorted(found, key=lambda r: (r.account_id, r.region))
