"""Aggregators, aggregation authorizations and dismissed aggregation requests, on both engines."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from roost.aggregator.model import (
    AccountSource,
    AggregationAuthorization,
    ConfigurationAggregator,
    OrganizationSource,
)
from roost.model import AccountRegion
from roost.store import Store

OWN = AccountRegion("111122223333", "eu-west-1")
OWN_ELSEWHERE = AccountRegion("111122223333", "us-east-1")
SOURCE = AccountRegion("444455556666", "ap-south-1")
SOURCE_ELSEWHERE = AccountRegion("444455556666", "us-west-2")
T0 = datetime(2026, 11, 1, 12, 0, 0, 123000, tzinfo=UTC)  # the store keeps milliseconds


def aggregator(name: str = "team", source: AccountRegion = OWN, **changes: object) -> ConfigurationAggregator:
    made = ConfigurationAggregator(
        account_id=source.account_id,
        region=source.region,
        name=name,
        arn=f"arn:aws:config:{source.region}:{source.account_id}:config-aggregator/config-aggregator-{name[:8]}",
        creation_time=T0,
        last_updated_time=T0 + timedelta(minutes=5),
        account_sources=(
            AccountSource(("444455556666", "777788889999"), all_aws_regions=True),
            AccountSource(("123456789012",), aws_regions=("us-east-1", "eu-central-1")),
        ),
    )
    return replace(made, **changes)  # type: ignore[arg-type]


def authorization(
    source: AccountRegion = SOURCE, authorized: AccountRegion = OWN, at: datetime = T0
) -> AggregationAuthorization:
    return AggregationAuthorization(
        source.account_id, source.region, authorized.account_id, authorized.region, at
    )


def test_an_aggregator_reads_back_exactly_as_written(any_store: Store) -> None:
    account_based = aggregator(
        resource_types=("AWS::EC2::Instance", "AWS::S3::Bucket"),
        service_principals=("config-conforms.amazonaws.com",),
        created_by="securityhub.amazonaws.com",
    )
    organization_based = aggregator(
        "org",
        account_sources=(),
        organization_source=OrganizationSource(
            "arn:aws:iam::111122223333:role/org-aggregator", aws_regions=("eu-west-1", "us-east-1")
        ),
    )
    every_region = aggregator(
        "org-all",
        account_sources=(),
        organization_source=OrganizationSource("arn:aws:iam::111122223333:role/r", all_aws_regions=True),
        resource_types=(),  # an empty filter is not "no filter"
    )
    for made in (account_based, organization_based, every_region):
        any_store.aggregators.put(made)

    assert any_store.aggregators.get(OWN, "team") == account_based
    assert any_store.aggregators.get(OWN, "org") == organization_based
    found = any_store.aggregators.get(OWN, "org-all")
    assert found == every_region
    assert found is not None and found.resource_types == () and found.service_principals is None
    assert any_store.aggregators.get(OWN, "nope") is None
    assert any_store.aggregators.get(OWN_ELSEWHERE, "team") is None


def test_put_replaces_an_aggregator(any_store: Store) -> None:
    any_store.aggregators.put(aggregator(resource_types=("AWS::S3::Bucket",)))
    updated = aggregator(
        last_updated_time=T0 + timedelta(hours=1),
        account_sources=(AccountSource(("999999999999",), aws_regions=("sa-east-1",)),),
    )
    any_store.aggregators.put(updated)

    assert any_store.aggregators.get(OWN, "team") == updated
    assert any_store.aggregators.list() == [updated]


def test_aggregators_are_listed_by_source_and_name(any_store: Store) -> None:
    made = [
        aggregator("zeta"),
        aggregator("alpha"),
        aggregator("beta", OWN_ELSEWHERE),
        aggregator("alpha", SOURCE),
    ]
    for one in made:
        any_store.aggregators.put(one)

    assert [(a.account_id, a.region, a.name) for a in any_store.aggregators.list()] == [
        ("111122223333", "eu-west-1", "alpha"),
        ("111122223333", "eu-west-1", "zeta"),
        ("111122223333", "us-east-1", "beta"),
        ("444455556666", "ap-south-1", "alpha"),
    ]
    assert [a.name for a in any_store.aggregators.list(OWN)] == ["alpha", "zeta"]
    assert any_store.aggregators.list(OWN_ELSEWHERE) == [made[2]]
    assert any_store.aggregators.list(AccountRegion("000000000000", "eu-west-1")) == []


def test_delete_an_aggregator(any_store: Store) -> None:
    any_store.aggregators.put(aggregator("team"))
    any_store.aggregators.put(aggregator("team", OWN_ELSEWHERE))

    assert any_store.aggregators.delete(OWN, "team") is True
    assert any_store.aggregators.delete(OWN, "team") is False
    assert any_store.aggregators.get(OWN, "team") is None
    assert any_store.aggregators.list() == [aggregator("team", OWN_ELSEWHERE)]


def test_authorize_is_idempotent_and_keeps_the_first_creation_time(any_store: Store) -> None:
    first = any_store.aggregators.authorize(authorization())
    assert first == authorization()
    assert (
        first.arn == "arn:aws:config:ap-south-1:444455556666:aggregation-authorization/111122223333/eu-west-1"
    )

    again = any_store.aggregators.authorize(authorization(at=T0 + timedelta(days=1)))
    assert again == first
    assert any_store.aggregators.authorizations(SOURCE) == [first]


def test_authorizations_are_listed_per_source_in_order(any_store: Store) -> None:
    granted = [
        authorization(SOURCE, OWN_ELSEWHERE),
        authorization(SOURCE, OWN),
        authorization(SOURCE, AccountRegion("000011112222", "us-east-1")),
        authorization(SOURCE_ELSEWHERE, OWN),
    ]
    for one in granted:
        any_store.aggregators.authorize(one)

    assert [
        (a.authorized_account_id, a.authorized_aws_region)
        for a in any_store.aggregators.authorizations(SOURCE)
    ] == [
        ("000011112222", "us-east-1"),
        ("111122223333", "eu-west-1"),
        ("111122223333", "us-east-1"),
    ]
    assert any_store.aggregators.authorizations(SOURCE_ELSEWHERE) == [granted[3]]
    assert len(any_store.aggregators.authorizations()) == 4
    assert any_store.aggregators.authorizations(OWN) == []


def test_authorized_sources_are_the_sources_that_authorized_an_aggregator_region(any_store: Store) -> None:
    any_store.aggregators.authorize(authorization(SOURCE, OWN))
    any_store.aggregators.authorize(authorization(SOURCE_ELSEWHERE, OWN))
    any_store.aggregators.authorize(authorization(SOURCE, OWN_ELSEWHERE))

    assert any_store.aggregators.authorized_sources(OWN) == {SOURCE, SOURCE_ELSEWHERE}
    assert any_store.aggregators.authorized_sources(OWN_ELSEWHERE) == {SOURCE}
    assert any_store.aggregators.authorized_sources(SOURCE) == set()


def test_revoke(any_store: Store) -> None:
    any_store.aggregators.authorize(authorization(SOURCE, OWN))
    any_store.aggregators.authorize(authorization(SOURCE, OWN_ELSEWHERE))

    assert any_store.aggregators.revoke(SOURCE, OWN) is True
    assert any_store.aggregators.revoke(SOURCE, OWN) is False
    assert any_store.aggregators.revoke(SOURCE_ELSEWHERE, OWN_ELSEWHERE) is False
    assert any_store.aggregators.authorizations(SOURCE) == [authorization(SOURCE, OWN_ELSEWHERE)]
    assert any_store.aggregators.authorized_sources(OWN) == set()


def test_dismissed_requests(any_store: Store) -> None:
    assert any_store.aggregators.dismissed(SOURCE) == set()
    any_store.aggregators.dismiss(SOURCE, OWN)
    any_store.aggregators.dismiss(SOURCE, OWN)  # twice is no error
    any_store.aggregators.dismiss(SOURCE, OWN_ELSEWHERE)
    any_store.aggregators.dismiss(SOURCE_ELSEWHERE, OWN)

    assert any_store.aggregators.dismissed(SOURCE) == {OWN, OWN_ELSEWHERE}
    assert any_store.aggregators.dismissed(SOURCE_ELSEWHERE) == {OWN}
    assert any_store.aggregators.dismissed(OWN) == set()


def test_authorizing_clears_the_dismissal_of_that_request_only(any_store: Store) -> None:
    any_store.aggregators.dismiss(SOURCE, OWN)
    any_store.aggregators.dismiss(SOURCE, OWN_ELSEWHERE)
    any_store.aggregators.dismiss(SOURCE_ELSEWHERE, OWN)

    any_store.aggregators.authorize(authorization(SOURCE, OWN))
    assert any_store.aggregators.dismissed(SOURCE) == {OWN_ELSEWHERE}
    assert any_store.aggregators.dismissed(SOURCE_ELSEWHERE) == {OWN}
    # An authorization that already existed clears a later dismissal too.
    any_store.aggregators.dismiss(SOURCE, OWN)
    any_store.aggregators.authorize(authorization(SOURCE, OWN))
    assert any_store.aggregators.dismissed(SOURCE) == {OWN_ELSEWHERE}
