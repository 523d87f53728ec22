"""`configurationItemDiff`: what changed between two recorded states of a resource.

Paths are dotted with each segment's first letter upper-cased and list positions as numbers, as AWS
writes them: `Configuration.IpPermissions.0`, `SupplementaryConfiguration.BucketPolicy.PolicyText`,
`Relationships.1`, `Tags.Name`. Dicts are compared key by key; lists by membership: an element that is
gone is a DELETE at its old index, a new one a CREATE at its new index, and where one goes and another
comes at the same index, an UPDATE there. A CREATE item's diff has no changed properties.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from roost.formats import relationship_record
from roost.model import ChangeType, ItemDiff, PropertyChange, Relationship, ResourceState


def _segment(name: str) -> str:
    return name[:1].upper() + name[1:]


def _compare(
    path: str, old: Any, new: Any, out: dict[str, PropertyChange], *, verbatim: bool = False
) -> None:
    if old == new:
        return
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in list(old) + [k for k in new if k not in old]:
            child = f"{path}.{key if verbatim else _segment(str(key))}"
            if key not in new:
                out[child] = PropertyChange(old[key], None, ChangeType.DELETE)
            elif key not in old:
                out[child] = PropertyChange(None, new[key], ChangeType.CREATE)
            else:
                _compare(child, old[key], new[key], out, verbatim=verbatim)
        return
    if isinstance(old, list) and isinstance(new, list):
        for index, element in enumerate(old):
            if element not in new:
                out[f"{path}.{index}"] = PropertyChange(element, None, ChangeType.DELETE)
        for index, element in enumerate(new):
            if element not in old:
                key = f"{path}.{index}"
                replaced = out.get(key)
                if replaced is not None and replaced.change_type is ChangeType.DELETE:
                    # One element gone and another come at the same position: an UPDATE there.
                    out[key] = PropertyChange(replaced.previous_value, element, ChangeType.UPDATE)
                else:
                    out[key] = PropertyChange(None, element, ChangeType.CREATE)
        return
    if old is None:
        out[path] = PropertyChange(None, new, ChangeType.CREATE)
    elif new is None:
        out[path] = PropertyChange(old, None, ChangeType.DELETE)
    else:
        out[path] = PropertyChange(old, new, ChangeType.UPDATE)


def _relationships(rels: tuple[Relationship, ...]) -> list[dict[str, Any]]:
    return [relationship_record(r) for r in sorted(rels, key=Relationship.sort_key)]


def diff_states(previous: ResourceState | None, current: ResourceState | None) -> ItemDiff:
    """The diff from `previous` (None: the resource is new) to `current` (None: it was deleted)."""
    if previous is None:
        return ItemDiff(ChangeType.CREATE, {})
    changes: dict[str, PropertyChange] = {}
    if current is None:
        if previous.configuration is not None:
            changes["Configuration"] = PropertyChange(previous.configuration, None, ChangeType.DELETE)
        if previous.supplementary_configuration:
            changes["SupplementaryConfiguration"] = PropertyChange(
                previous.supplementary_configuration, None, ChangeType.DELETE
            )
        for index, rel in enumerate(_relationships(previous.relationships)):
            changes[f"Relationships.{index}"] = PropertyChange(rel, None, ChangeType.DELETE)
        return ItemDiff(ChangeType.DELETE, changes)
    _compare("Configuration", previous.configuration, current.configuration, changes)
    _compare(
        "SupplementaryConfiguration",
        previous.supplementary_configuration,
        current.supplementary_configuration,
        changes,
    )
    _compare(
        "Relationships",
        _relationships(previous.relationships),
        _relationships(current.relationships),
        changes,
    )
    # Tag keys are the user's own words: kept as they are, not capitalised like property names.
    _compare("Tags", previous.tags, current.tags, changes, verbatim=True)
    return ItemDiff(ChangeType.UPDATE, changes)
