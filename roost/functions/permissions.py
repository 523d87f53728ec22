"""A function's resource policy (AddPermission, RemovePermission, GetPolicy); FunctionHost has these."""

from __future__ import annotations

import re
import threading
from typing import Any

from roost.errors import FunctionError
from roost.functions.checks import validation_error
from roost.functions.model import FunctionConfig, PolicyStatement
from roost.model import AccountRegion
from roost.store import Store

SID = re.compile(r"[a-zA-Z0-9-_.]+")


class Permissions:
    store: Store
    _lock: threading.Lock

    def get(self, source: AccountRegion, function_name: str, qualifier: str | None = None) -> FunctionConfig:
        raise NotImplementedError

    def add_permission(
        self, source: AccountRegion, function_name: str, statement: PolicyStatement
    ) -> dict[str, Any]:
        config = self.get(source, function_name)
        where = AccountRegion(config.account_id, config.region)
        if not SID.fullmatch(statement.sid) or len(statement.sid) > 100:
            raise validation_error(
                statement.sid,
                "statementId",
                r"Member must satisfy regular expression pattern: ([a-zA-Z0-9-_.]+)",
            )
        with self._lock:
            statements = self.store.functions.policy(where, config.name) or []
            if any(s.sid == statement.sid for s in statements):
                raise FunctionError(
                    "ResourceConflictException",
                    f"The statement id ({statement.sid}) provided already exists. "
                    "Please provide a new statement id, or remove the existing statement.",
                    status=409,
                )
            self.store.functions.set_policy(where, config.name, [*statements, statement])
        return statement.to_json(config)

    def remove_permission(self, source: AccountRegion, function_name: str, sid: str) -> None:
        config = self.get(source, function_name)
        where = AccountRegion(config.account_id, config.region)
        with self._lock:
            statements = self.store.functions.policy(where, config.name) or []
            if not any(s.sid == sid for s in statements):
                raise FunctionError(
                    "ResourceNotFoundException",
                    f"Statement {sid} is not found in resource policy.",
                    status=404,
                )
            self.store.functions.set_policy(where, config.name, [s for s in statements if s.sid != sid])

    def policy(self, source: AccountRegion, function_name: str) -> dict[str, Any]:
        """The function's resource policy as GetPolicy shows it; ResourceNotFound if it has none."""
        config = self.get(source, function_name)
        statements = self.store.functions.policy(AccountRegion(config.account_id, config.region), config.name)
        if not statements:
            raise FunctionError(
                "ResourceNotFoundException", "The resource you requested does not exist.", status=404
            )
        return {
            "Version": "2012-10-17",
            "Id": "default",
            "Statement": [s.to_json(config) for s in statements],
        }
