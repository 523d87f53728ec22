"""Remediation over the sandbox: documents run against moto's server with the sandbox account's
clients, exactly as the remediation engine runs them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from roost.clock import SystemClock
from roost.cloud import CloudConnector
from roost.remediation.document import Automation, StepFailed, load_documents
from roost.settings import Settings
from tests.conftest import SOURCE


class DocumentRun:
    """What one run of a document did: its steps, its calls, and the failure if it failed."""

    def __init__(self, automation: Automation, failure: StepFailed | None) -> None:
        self.steps = automation.steps
        self.calls = automation.calls
        self.failure = failure

    @property
    def step_names(self) -> list[str]:
        return [s.name for s in self.steps]

    @property
    def writes(self) -> list[tuple[str, str, dict[str, Any]]]:
        return [(c.service, c.operation, c.parameters) for c in self.calls if c.writes]


@pytest.fixture
def run_document(settings: Settings) -> Callable[..., DocumentRun]:
    """run_document("AWS-...", {"GroupId": ["sg-..."]}, dry_run=False, region=...) -> DocumentRun.

    The parameters are given as a remediation configuration gives them (lists of strings) and go
    through the document's own checks and defaults first.
    """
    connector = CloudConnector(settings.accounts)
    documents = load_documents()

    def run(
        name: str, given: dict[str, list[str]], *, dry_run: bool = False, region: str = SOURCE.region
    ) -> DocumentRun:
        document = documents.get(name)
        params = document.resolve(given)
        automation = Automation(
            lambda service: connector.client(SOURCE.account_id, region, service),
            SystemClock(),
            dry_run=dry_run,
        )
        try:
            document().run(automation, params)
        except StepFailed as failure:
            return DocumentRun(automation, failure)
        return DocumentRun(automation, None)

    return run
