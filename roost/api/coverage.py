"""docs/api-coverage.md: every operation of botocore's `config` model, and whether roost implements it.

    python -m roost.api.coverage            # rewrite docs/api-coverage.md
    python -m roost.api.coverage --check    # exit 1 (and say so) if it is stale

The operations are grouped as in section 2 of the API spec; an operation a newer botocore adds and no
group names yet lands in a last "Other" group. tests/api/test_coverage.py fails when the committed file
differs from what this module generates.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from roost.api.operations import load_operations
from roost.api.service_model import config_model

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "api-coverage.md"
REGENERATE = "python -m roost.api.coverage"

#: (letter, title, operations) in the order of section 2 of the spec.
GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "A",
        "Configuration recorder (incl. service-linked recorders)",
        (
            "PutConfigurationRecorder",
            "DescribeConfigurationRecorders",
            "DescribeConfigurationRecorderStatus",
            "ListConfigurationRecorders",
            "StartConfigurationRecorder",
            "StopConfigurationRecorder",
            "DeleteConfigurationRecorder",
            "AssociateResourceTypes",
            "DisassociateResourceTypes",
            "PutServiceLinkedConfigurationRecorder",
            "DeleteServiceLinkedConfigurationRecorder",
            "PutThirdPartyServiceLinkedConfigurationRecorder",
        ),
    ),
    (
        "B",
        "Delivery channel & snapshots",
        (
            "PutDeliveryChannel",
            "DescribeDeliveryChannels",
            "DescribeDeliveryChannelStatus",
            "DeleteDeliveryChannel",
            "DeliverConfigSnapshot",
        ),
    ),
    (
        "C",
        "Configuration items, history, discovered resources, custom resources",
        (
            "GetResourceConfigHistory",
            "BatchGetResourceConfig",
            "ListDiscoveredResources",
            "GetDiscoveredResourceCounts",
            "PutResourceConfig",
            "DeleteResourceConfig",
        ),
    ),
    (
        "D",
        "Rules",
        (
            "PutConfigRule",
            "DescribeConfigRules",
            "DeleteConfigRule",
            "StartConfigRulesEvaluation",
            "DescribeConfigRuleEvaluationStatus",
            "GetCustomRulePolicy",
        ),
    ),
    (
        "E",
        "Evaluations & compliance",
        (
            "PutEvaluations",
            "PutExternalEvaluation",
            "DeleteEvaluationResults",
            "DescribeComplianceByConfigRule",
            "DescribeComplianceByResource",
            "GetComplianceDetailsByConfigRule",
            "GetComplianceDetailsByResource",
            "GetComplianceSummaryByConfigRule",
            "GetComplianceSummaryByResourceType",
        ),
    ),
    (
        "F",
        "Remediation configurations, exceptions, executions",
        (
            "PutRemediationConfigurations",
            "DescribeRemediationConfigurations",
            "DeleteRemediationConfiguration",
            "PutRemediationExceptions",
            "DescribeRemediationExceptions",
            "DeleteRemediationExceptions",
            "StartRemediationExecution",
            "DescribeRemediationExecutionStatus",
        ),
    ),
    (
        "G",
        "Aggregators & authorizations",
        (
            "PutConfigurationAggregator",
            "DescribeConfigurationAggregators",
            "DeleteConfigurationAggregator",
            "DescribeConfigurationAggregatorSourcesStatus",
            "PutAggregationAuthorization",
            "DescribeAggregationAuthorizations",
            "DeleteAggregationAuthorization",
            "DescribePendingAggregationRequests",
            "DeletePendingAggregationRequest",
        ),
    ),
    (
        "H",
        "Aggregate (multi-account/region) read APIs",
        (
            "GetAggregateResourceConfig",
            "BatchGetAggregateResourceConfig",
            "ListAggregateDiscoveredResources",
            "GetAggregateDiscoveredResourceCounts",
            "DescribeAggregateComplianceByConfigRules",
            "GetAggregateComplianceDetailsByConfigRule",
            "GetAggregateConfigRuleComplianceSummary",
            "DescribeAggregateComplianceByConformancePacks",
            "GetAggregateConformancePackComplianceSummary",
        ),
    ),
    (
        "I",
        "Conformance packs (account level)",
        (
            "PutConformancePack",
            "DescribeConformancePacks",
            "DescribeConformancePackStatus",
            "DeleteConformancePack",
            "DescribeConformancePackCompliance",
            "GetConformancePackComplianceDetails",
            "GetConformancePackComplianceSummary",
            "ListConformancePackComplianceScores",
        ),
    ),
    (
        "J",
        "Organization rules & organization conformance packs",
        (
            "PutOrganizationConfigRule",
            "DescribeOrganizationConfigRules",
            "DescribeOrganizationConfigRuleStatuses",
            "GetOrganizationConfigRuleDetailedStatus",
            "DeleteOrganizationConfigRule",
            "GetOrganizationCustomRulePolicy",
            "PutOrganizationConformancePack",
            "DescribeOrganizationConformancePacks",
            "DescribeOrganizationConformancePackStatuses",
            "GetOrganizationConformancePackDetailedStatus",
            "DeleteOrganizationConformancePack",
        ),
    ),
    ("K", "Advanced query", ("SelectResourceConfig", "SelectAggregateResourceConfig")),
    (
        "L",
        "Stored (saved) queries",
        ("PutStoredQuery", "GetStoredQuery", "ListStoredQueries", "DeleteStoredQuery"),
    ),
    (
        "M",
        "Retention",
        ("PutRetentionConfiguration", "DescribeRetentionConfigurations", "DeleteRetentionConfiguration"),
    ),
    ("N", "Tags", ("TagResource", "UntagResource", "ListTagsForResource")),
    (
        "O",
        "Proactive resource evaluations",
        ("StartResourceEvaluation", "GetResourceEvaluationSummary", "ListResourceEvaluations"),
    ),
    (
        "P",
        "Third-party connectors (multicloud)",
        ("PutConnector", "GetConnector", "ListConnectors", "DeleteConnector"),
    ),
)
OTHER_GROUP = ("Z", "Other operations (in the model, not yet in the spec's catalog)")


def grouped_operations(model_operations: Iterable[str]) -> list[tuple[str, str, list[str]]]:
    """The model's operations by group: every one exactly once, none the model lacks."""
    remaining = set(model_operations)
    groups: list[tuple[str, str, list[str]]] = []
    for letter, title, names in GROUPS:
        present = [name for name in names if name in remaining]
        remaining.difference_update(present)
        if present:
            groups.append((letter, title, present))
    if remaining:
        groups.append((*OTHER_GROUP, sorted(remaining)))
    return groups


def implemented_operations() -> dict[str, str]:
    """Registered operation name -> the module under roost/api/operations/ that implements it."""
    return {
        name: handler.__module__.removeprefix("roost.api.operations.")
        for name, handler in load_operations().items()
    }


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "0%"


def render(
    model_operations: Iterable[str] | None = None, implemented: Mapping[str, str] | None = None
) -> str:
    """The text of docs/api-coverage.md (by default for botocore's model and roost's registry)."""
    if model_operations is None:
        model_operations = config_model().operation_names
    if implemented is None:
        implemented = implemented_operations()
    groups = grouped_operations(model_operations)
    total = sum(len(names) for _, _, names in groups)
    done = sum(1 for _, _, names in groups for name in names if name in implemented)
    lines = [
        "# AWS Config API coverage",
        "",
        f"Generated by `{REGENERATE}` from botocore's `config` service model (API version "
        f"{config_model().api_version}) and roost's handler registry (`roost/api/operations/`). "
        "Do not edit by hand: `tests/api/test_coverage.py` fails when this file is stale.",
        "",
        f"**{done} of {total} operations implemented ({_percent(done, total)}).** "
        "An operation not implemented yet answers HTTP 400 `NotImplementedException` "
        "(after its input is checked against the model).",
        "",
        "| Group | Implemented | Operations |",
        "|---|---:|---:|",
    ]
    for letter, title, names in groups:
        count = sum(1 for name in names if name in implemented)
        lines.append(f"| {letter}. {title} | {count} | {len(names)} |")
    lines.append(f"| **Total** | **{done}** | **{total}** |")
    for letter, title, names in groups:
        count = sum(1 for name in names if name in implemented)
        lines += [
            "",
            f"## {letter}. {title} ({count} of {len(names)})",
            "",
            "| Operation | Status | Handler module |",
            "|---|---|---|",
        ]
        for name in names:
            module = implemented.get(name)
            if module is None:
                lines.append(f"| {name} | not implemented | |")
            else:
                lines.append(f"| {name} | implemented | `roost/api/operations/{module}.py` |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m roost.api.coverage", description="Write docs/api-coverage.md."
    )
    parser.add_argument("--check", action="store_true", help="only report whether the file is stale")
    parser.add_argument("--output", type=Path, default=DOC_PATH, help=f"default: {DOC_PATH}")
    args = parser.parse_args(argv)
    text = render()
    current = args.output.read_text() if args.output.exists() else None
    if args.check:
        if current != text:
            print(f"{args.output} is stale; regenerate it with `{REGENERATE}`.", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date.")
        return 0
    if current != text:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
        print(f"wrote {args.output}")
    else:
        print(f"{args.output} was already up to date.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
