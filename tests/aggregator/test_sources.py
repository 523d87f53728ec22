"""Aggregation over a real store (SQLite and PostgreSQL): which sources an aggregator covers, which
of them it shows, and the requests a source sees."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from roost.aggregator.model import (
    AccountSource,
    AggregationAuthorization,
    ConfigurationAggregator,
    OrganizationSource,
    SourceType,
    UpdateStatus,
)
from roost.aggregator.sources import NOT_AUTHORIZED, Aggregation
from roost.clock import FrozenClock
from roost.model import AccountRegion, ConfigurationItem, ConfigurationRecorder, ItemStatus
from roost.store import NewItem, Store

OWN = "111122223333"
OTHER = "444455556666"
THIRD = "777788889999"
HOME = AccountRegion(OWN, "eu-west-1")
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def aggregation(any_store: Store) -> Aggregation:
    return Aggregation(any_store, FrozenClock(T0))


def make(
    *sources: AccountSource, name: str = "team", home: AccountRegion = HOME, **kwargs: object
) -> ConfigurationAggregator:
    return ConfigurationAggregator(
        account_id=home.account_id,
        region=home.region,
        name=name,
        arn=f"arn:aws:config:{home.region}:{home.account_id}:config-aggregator/config-aggregator-abcd1234",
        creation_time=T0,
        last_updated_time=T0,
        account_sources=sources,
        **kwargs,  # type: ignore[arg-type]
    )


def authorize(store: Store, source: AccountRegion, aggregator_home: AccountRegion = HOME) -> None:
    store.aggregators.authorize(
        AggregationAuthorization(
            source.account_id, source.region, aggregator_home.account_id, aggregator_home.region, T0
        )
    )


def record_recorder(store: Store, account: str, region: str) -> None:
    store.recorders.put(ConfigurationRecorder(account, region, role_arn=f"arn:aws:iam::{account}:role/c"))


def record_resource(store: Store, account: str, region: str) -> None:
    item = ConfigurationItem(
        account_id=account,
        region=region,
        resource_type="AWS::S3::Bucket",
        resource_id=f"bucket-{account}-{region}",
        capture_time=T0,
        status=ItemStatus.RESOURCE_DISCOVERED,
        configuration_state_id=1,
        aws_region=region,
        configuration={"name": "b"},
    )
    store.items.append([NewItem(item, item.state().content_hash())])


def by_source(
    aggregation: Aggregation, aggregator: ConfigurationAggregator
) -> dict[tuple[str, str], UpdateStatus]:
    return {(s.account_id, s.region): s.status for s in aggregation.statuses(aggregator)}


def test_own_account_is_shown_and_another_only_once_it_authorized(
    any_store: Store, aggregation: Aggregation
) -> None:
    aggregator = make(AccountSource((OTHER, OWN), aws_regions=("us-east-1", "eu-west-1")))

    statuses = aggregation.statuses(aggregator)
    assert [(s.account_id, s.region) for s in statuses] == [
        (OWN, "eu-west-1"),
        (OWN, "us-east-1"),
        (OTHER, "eu-west-1"),
        (OTHER, "us-east-1"),
    ]
    for status in statuses:
        assert status.source_type is SourceType.ACCOUNT
        assert status.source_id == status.account_id
        assert status.last_update_time == T0
        if status.account_id == OWN:
            assert status.status is UpdateStatus.SUCCEEDED and status.visible
            assert status.error_code is None and status.error_message is None
        else:
            assert status.status is UpdateStatus.FAILED and not status.visible
            assert status.error_code == NOT_AUTHORIZED
            assert status.error_message and OTHER in status.error_message
    assert aggregation.visible(aggregator) == [
        AccountRegion(OWN, "eu-west-1"),
        AccountRegion(OWN, "us-east-1"),
    ]

    authorize(any_store, AccountRegion(OTHER, "us-east-1"))
    # An authorization of another aggregator region, or by another account, does not count.
    authorize(any_store, AccountRegion(OTHER, "eu-west-1"), AccountRegion(OWN, "us-east-1"))
    authorize(any_store, AccountRegion(OTHER, "eu-west-1"), AccountRegion(THIRD, "eu-west-1"))
    assert by_source(aggregation, aggregator)[(OTHER, "us-east-1")] is UpdateStatus.SUCCEEDED
    assert by_source(aggregation, aggregator)[(OTHER, "eu-west-1")] is UpdateStatus.FAILED
    assert aggregation.visible(aggregator) == [
        AccountRegion(OWN, "eu-west-1"),
        AccountRegion(OWN, "us-east-1"),
        AccountRegion(OTHER, "us-east-1"),
    ]

    any_store.aggregators.revoke(AccountRegion(OTHER, "us-east-1"), HOME)
    assert AccountRegion(OTHER, "us-east-1") not in aggregation.visible(aggregator)


def test_all_regions_follow_recorders_and_recorded_resources(
    any_store: Store, aggregation: Aggregation
) -> None:
    aggregator = make(AccountSource((OTHER, OWN), all_aws_regions=True))
    assert aggregation.statuses(aggregator) == []

    record_recorder(any_store, OTHER, "us-east-1")
    record_resource(any_store, OTHER, "ap-south-1")  # recorded there, with no recorder (any more)
    record_recorder(any_store, OWN, "eu-central-1")
    record_recorder(any_store, THIRD, "sa-east-1")  # not a source of this aggregator
    assert aggregation.recording_regions(OTHER) == ["ap-south-1", "us-east-1"]
    assert aggregation.recording_regions(OWN) == ["eu-central-1"]

    assert by_source(aggregation, aggregator) == {
        (OWN, "eu-central-1"): UpdateStatus.SUCCEEDED,
        (OTHER, "ap-south-1"): UpdateStatus.FAILED,
        (OTHER, "us-east-1"): UpdateStatus.FAILED,
    }
    authorize(any_store, AccountRegion(OTHER, "ap-south-1"))
    assert aggregation.visible(aggregator) == [
        AccountRegion(OWN, "eu-central-1"),
        AccountRegion(OTHER, "ap-south-1"),
    ]

    # A region that starts recording later is covered at once.
    record_resource(any_store, OTHER, "eu-north-1")
    assert (OTHER, "eu-north-1") in by_source(aggregation, aggregator)


def test_listed_regions_are_covered_whether_or_not_they_record(
    any_store: Store, aggregation: Aggregation
) -> None:
    record_recorder(any_store, OTHER, "us-east-1")
    aggregator = make(AccountSource((OTHER,), aws_regions=("ap-south-1",)))

    assert list(by_source(aggregation, aggregator)) == [(OTHER, "ap-south-1")]


def test_an_organization_source_without_a_cloud_fails(any_store: Store, aggregation: Aggregation) -> None:
    record_recorder(any_store, OTHER, "us-east-1")
    aggregator = make(
        organization_source=OrganizationSource("arn:aws:iam::111122223333:role/org", all_aws_regions=True)
    )

    (status,) = aggregation.statuses(aggregator)
    assert status.source_type is SourceType.ORGANIZATION
    assert status.status is UpdateStatus.FAILED
    assert status.error_code == "NoAvailableOrganizationException"
    assert aggregation.visible(aggregator) == []


def test_pending_requests_and_their_dismissal(any_store: Store, aggregation: Aggregation) -> None:
    any_store.aggregators.put(make(AccountSource((OTHER,), aws_regions=("us-east-1", "ap-south-1"))))
    any_store.aggregators.put(
        make(
            AccountSource((OTHER, THIRD), all_aws_regions=True),
            name="all",
            home=AccountRegion(OWN, "us-west-2"),
        )
    )
    any_store.aggregators.put(
        make(
            AccountSource((OTHER,), all_aws_regions=True), name="mine", home=AccountRegion(OTHER, "us-east-1")
        )
    )
    any_store.aggregators.put(
        make(
            name="org",
            home=AccountRegion(THIRD, "us-east-1"),
            organization_source=OrganizationSource(
                "arn:aws:iam::777788889999:role/org", all_aws_regions=True
            ),
        )
    )
    east = AccountRegion(OTHER, "us-east-1")

    # Its own aggregator and organization aggregators ask nothing of the source.
    assert aggregation.pending_requests(east) == [HOME, AccountRegion(OWN, "us-west-2")]
    assert aggregation.pending_requests(AccountRegion(OTHER, "eu-north-1")) == [
        AccountRegion(OWN, "us-west-2")
    ]
    assert aggregation.pending_requests(AccountRegion(THIRD, "ap-south-1")) == [
        AccountRegion(OWN, "us-west-2")
    ]
    assert aggregation.pending_requests(HOME) == []

    authorize(any_store, east)
    assert aggregation.pending_requests(east) == [AccountRegion(OWN, "us-west-2")]
    any_store.aggregators.dismiss(east, AccountRegion(OWN, "us-west-2"))
    assert aggregation.pending_requests(east) == []
    # Dismissed in one region only; dismissing is no authorization.
    assert aggregation.pending_requests(AccountRegion(OTHER, "ap-south-1")) == [
        HOME,
        AccountRegion(OWN, "us-west-2"),
    ]
    record_recorder(any_store, OTHER, "us-east-1")
    aggregator = any_store.aggregators.get(AccountRegion(OWN, "us-west-2"), "all")
    assert aggregator is not None
    assert by_source(aggregation, aggregator)[(OTHER, "us-east-1")] is UpdateStatus.FAILED

    # Revoking brings the authorized request back; the dismissed one stays away until authorized.
    any_store.aggregators.revoke(east, HOME)
    assert aggregation.pending_requests(east) == [HOME]
    authorize(any_store, east, AccountRegion(OWN, "us-west-2"))
    any_store.aggregators.revoke(east, AccountRegion(OWN, "us-west-2"))
    assert aggregation.pending_requests(east) == [HOME, AccountRegion(OWN, "us-west-2")]


def test_a_deleted_aggregator_is_no_longer_requested(any_store: Store, aggregation: Aggregation) -> None:
    any_store.aggregators.put(make(AccountSource((OTHER,), all_aws_regions=True)))
    assert aggregation.pending_requests(AccountRegion(OTHER, "us-east-1")) == [HOME]

    any_store.aggregators.delete(HOME, "team")
    assert aggregation.pending_requests(AccountRegion(OTHER, "us-east-1")) == []
