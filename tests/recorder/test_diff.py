"""configurationItemDiff paths and change types, as AWS writes them."""

from __future__ import annotations

from roost.model import ChangeType, Relationship, ResourceState
from roost.recorder.diff import diff_states


def state(**changes: object) -> ResourceState:
    base: dict[str, object] = {
        "resource_type": "AWS::EC2::Instance",
        "resource_id": "i-1",
        "configuration": {
            "state": {"name": "running"},
            "blockDeviceMappings": [{"ebs": {"volumeId": "vol-1"}}],
        },
        "supplementary_configuration": {},
        "tags": {"Name": "web"},
        "relationships": (Relationship("AWS::EC2::Volume", "Is attached to Volume", "vol-1"),),
    }
    base.update(changes)
    return ResourceState(**base)  # type: ignore[arg-type]


def test_a_new_resource_has_a_create_diff_with_no_properties() -> None:
    diff = diff_states(None, state())
    assert diff.change_type is ChangeType.CREATE and diff.changed_properties == {}


def test_nested_changes_use_capitalised_dotted_paths() -> None:
    after = state(
        configuration={"state": {"name": "stopped"}, "blockDeviceMappings": [{"ebs": {"volumeId": "vol-1"}}]}
    )
    diff = diff_states(state(), after)
    assert diff.change_type is ChangeType.UPDATE
    (path,) = diff.changed_properties
    assert path == "Configuration.State.Name"
    change = diff.changed_properties[path]
    assert (change.previous_value, change.updated_value, change.change_type) == (
        "running",
        "stopped",
        ChangeType.UPDATE,
    )


def test_list_elements_are_compared_by_membership() -> None:
    replaced = state(
        configuration={"state": {"name": "running"}, "blockDeviceMappings": [{"ebs": {"volumeId": "vol-2"}}]},
        relationships=(Relationship("AWS::EC2::Volume", "Is attached to Volume", "vol-2"),),
    )
    props = diff_states(state(), replaced).changed_properties
    change = props["Configuration.BlockDeviceMappings.0"]
    assert change.change_type is ChangeType.UPDATE
    assert (change.previous_value, change.updated_value) == (
        {"ebs": {"volumeId": "vol-1"}},
        {"ebs": {"volumeId": "vol-2"}},
    )
    assert props["Relationships.0"].previous_value["resourceId"] == "vol-1"
    assert props["Relationships.0"].updated_value["resourceId"] == "vol-2"

    added = state(
        configuration={
            "state": {"name": "running"},
            "blockDeviceMappings": [{"ebs": {"volumeId": "vol-1"}}, {"ebs": {"volumeId": "vol-3"}}],
        }
    )
    props = diff_states(state(), added).changed_properties
    assert list(props) == ["Configuration.BlockDeviceMappings.1"]
    assert props["Configuration.BlockDeviceMappings.1"].change_type is ChangeType.CREATE
    removed = diff_states(added, state()).changed_properties
    assert removed["Configuration.BlockDeviceMappings.1"].change_type is ChangeType.DELETE


def test_tags_keep_their_own_spelling() -> None:
    diff = diff_states(state(), state(tags={"Name": "web", "cost-center": "42"}))
    assert diff.changed_properties["Tags.cost-center"].change_type is ChangeType.CREATE


def test_a_deletion_diff_carries_what_was_there() -> None:
    diff = diff_states(state(), None)
    assert diff.change_type is ChangeType.DELETE
    assert diff.changed_properties["Configuration"].previous_value["state"] == {"name": "running"}
    assert diff.changed_properties["Relationships.0"].change_type is ChangeType.DELETE
