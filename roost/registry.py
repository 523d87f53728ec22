"""Registry[T]: named things (collectors, managed rules, automation documents) register themselves.

Adding one is one new source file with a decorator; the registry feeds the CLI, the API, the docs
and the meta-tests. A lookup of an unknown name suggests the closest registered ones.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class UnknownNameError(KeyError):
    """Raised for a name nothing registered; the message names close matches."""

    def __init__(self, kind: str, name: str, close: list[str]) -> None:
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        self.kind = kind
        self.name = name
        self.close = close
        super().__init__(f"No {kind} named {name!r}.{hint}")

    def __str__(self) -> str:
        return str(self.args[0])


class Registry(Generic[T]):
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        def decorate(item: T) -> T:
            self.add(name, item)
            return item

        return decorate

    def add(self, name: str, item: T) -> None:
        if name in self._items and self._items[name] is not item:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._items[name] = item

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            close = difflib.get_close_matches(name, self._items, n=3, cutoff=0.6)
            raise UnknownNameError(self.kind, name, close) from None

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def items(self) -> list[tuple[str, T]]:
        return sorted(self._items.items())


def import_submodules(package: str) -> None:
    """Import every module of a package, so the registrations in them run."""
    module = importlib.import_module(package)
    for info in pkgutil.iter_modules(module.__path__, prefix=f"{package}."):
        importlib.import_module(info.name)
