"""Tags on Config's own resources, on both engines."""

from __future__ import annotations

from roost.model import AccountRegion
from roost.store import Store

SOURCE = AccountRegion("111122223333", "eu-west-1")
OTHER_REGION = AccountRegion("111122223333", "us-east-1")
ARN = "arn:aws:config:eu-west-1:111122223333:configuration-recorder/default"
OTHER_ARN = "arn:aws:config:eu-west-1:111122223333:config-rule/config-rule-abc123"


def test_tags_are_added_overwritten_and_listed_in_key_order(any_store: Store) -> None:
    assert any_store.tags.list(SOURCE, ARN) == []
    assert any_store.tags.put(SOURCE, ARN, {"team": "blue", "env": "prod"}) is True
    assert any_store.tags.put(SOURCE, ARN, {"team": "red", "cost": ""}) is True

    assert any_store.tags.list(SOURCE, ARN) == [("cost", ""), ("env", "prod"), ("team", "red")]
    assert any_store.tags.get(SOURCE, ARN) == {"cost": "", "env": "prod", "team": "red"}


def test_tags_are_paged_by_key(any_store: Store) -> None:
    any_store.tags.put(SOURCE, ARN, {f"k{n:02d}": str(n) for n in range(7)})

    first = any_store.tags.list(SOURCE, ARN, limit=3)
    assert [k for k, _ in first] == ["k00", "k01", "k02"]
    second = any_store.tags.list(SOURCE, ARN, after_key="k02", limit=3)
    assert [k for k, _ in second] == ["k03", "k04", "k05"]
    assert any_store.tags.list(SOURCE, ARN, after_key="k05") == [("k06", "6")]


def test_the_tag_limit_counts_what_the_resource_already_has(any_store: Store) -> None:
    any_store.tags.put(SOURCE, ARN, {f"k{n}": "v" for n in range(48)})

    assert any_store.tags.put(SOURCE, ARN, {"k0": "new", "x": "1", "y": "2", "z": "3"}, max_tags=50) is False
    assert len(any_store.tags.list(SOURCE, ARN)) == 48
    assert any_store.tags.get(SOURCE, ARN)["k0"] == "v"  # nothing changed
    # Overwriting existing keys does not count against the limit.
    assert any_store.tags.put(SOURCE, ARN, {"k0": "new", "x": "1", "y": "2"}, max_tags=50) is True
    assert len(any_store.tags.list(SOURCE, ARN)) == 50


def test_removing_and_replacing(any_store: Store) -> None:
    any_store.tags.put(SOURCE, ARN, {"a": "1", "b": "2", "c": "3"})

    assert any_store.tags.remove(SOURCE, ARN, ["a", "nope", "a"]) == 1
    assert any_store.tags.get(SOURCE, ARN) == {"b": "2", "c": "3"}
    any_store.tags.replace(SOURCE, ARN, {"z": "26"})
    assert any_store.tags.get(SOURCE, ARN) == {"z": "26"}
    any_store.tags.replace(SOURCE, ARN, {})
    assert any_store.tags.get(SOURCE, ARN) == {}
    any_store.tags.put(SOURCE, ARN, {"a": "1"})
    assert any_store.tags.remove_all(SOURCE, ARN) == 1
    assert any_store.tags.list(SOURCE, ARN) == []


def test_tags_belong_to_one_resource_in_one_source(any_store: Store) -> None:
    any_store.tags.put(SOURCE, ARN, {"a": "1"})
    any_store.tags.put(SOURCE, OTHER_ARN, {"b": "2"})
    any_store.tags.put(OTHER_REGION, ARN, {"c": "3"})

    assert any_store.tags.get(SOURCE, ARN) == {"a": "1"}
    assert any_store.tags.get(SOURCE, OTHER_ARN) == {"b": "2"}
    assert any_store.tags.get(OTHER_REGION, ARN) == {"c": "3"}
    any_store.tags.remove_all(SOURCE, ARN)
    assert any_store.tags.get(OTHER_REGION, ARN) == {"c": "3"}
    assert any_store.tags.get(SOURCE, OTHER_ARN) == {"b": "2"}
