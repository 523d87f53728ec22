"""AWS's catalogue of managed rules: every identifier, its parameters, resource types and trigger.

The data is AWS's own list as moto ships it (`moto/config/resources/aws_managed_rules.json.gz`),
read at run time rather than copied by hand. roost implements a subset (roost/rules/managed/);
PutConfigRule accepts any identifier of the catalogue and rejects the rest, as AWS does.
"""

from __future__ import annotations

import functools
import gzip
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any


@dataclass(frozen=True, slots=True)
class CatalogParameter:
    name: str
    type: str
    default: str | None
    optional: bool


@dataclass(frozen=True, slots=True)
class CatalogRule:
    identifier: str
    parameters: tuple[CatalogParameter, ...]
    resource_types: tuple[str, ...]
    trigger: str
    """AWS's wording: "Configuration changes", "Periodic" or "Configuration changes and Periodic"."""

    @property
    def change_triggered(self) -> bool:
        return "Configuration changes" in self.trigger

    @property
    def periodic(self) -> bool:
        return "Periodic" in self.trigger


def _types(raw: Any) -> tuple[str, ...]:
    if not raw:
        return ()
    if isinstance(raw, list):
        return tuple(str(t).strip() for t in raw if str(t).strip())
    return tuple(t.strip() for t in str(raw).replace(";", ",").split(",") if t.strip().startswith("AWS::"))


@functools.cache
def catalog() -> dict[str, CatalogRule]:
    data = resources.files("moto").joinpath("config/resources/aws_managed_rules.json.gz").read_bytes()
    raw = json.loads(gzip.decompress(data))["ManagedRules"]
    found = {}
    for identifier, entry in raw.items():
        found[identifier] = CatalogRule(
            identifier=identifier,
            parameters=tuple(
                CatalogParameter(
                    name=p["Name"],
                    type=p.get("Type", "String"),
                    default=None if p.get("Default") in (None, "") else str(p["Default"]),
                    optional=bool(p.get("Optional", True)),
                )
                for p in entry.get("Parameters") or ()
            ),
            resource_types=_types(entry.get("Resource Types")),
            trigger=str(entry.get("Trigger type") or ""),
        )
    return found
