"""Which resource types a recorder records, and the checks AWS makes on a recording group.

recordingGroup omitted / allSupported     every supported type except the global IAM types,
                                          which includeGlobalResourceTypes adds
INCLUSION_BY_RESOURCE_TYPES               exactly the listed types (global ones too, if listed)
EXCLUSION_BY_RESOURCE_TYPES               everything but the listed types, global ones included
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import botocore.session

from roost.errors import ApiError
from roost.model import (
    GLOBAL_RESOURCE_TYPES,
    RecordingFrequency,
    RecordingGroup,
    RecordingMode,
    RecordingStrategy,
)

#: Types that may not be recorded DAILY (AWS forces them to CONTINUOUS).
CONTINUOUS_ONLY_TYPES = frozenset(
    {
        "AWS::Config::ResourceCompliance",
        "AWS::Config::ConformancePackCompliance",
        "AWS::Config::ConfigurationRecorder",
    }
)


@functools.cache
def aws_resource_types() -> frozenset[str]:
    """Every resource type AWS Config knows (the ResourceType enum of botocore's config model)."""
    model = botocore.session.get_session().get_service_model("config")
    return frozenset(model.shape_for("ResourceType").enum)


def recorded_types(group: RecordingGroup, supported: Iterable[str]) -> set[str]:
    """The supported types `group` records."""
    supported_set = set(supported)
    if group.strategy is RecordingStrategy.INCLUSION_BY_RESOURCE_TYPES:
        return supported_set & set(group.resource_types)
    if group.strategy is RecordingStrategy.EXCLUSION_BY_RESOURCE_TYPES:
        return supported_set - set(group.exclusion_resource_types)
    if group.include_global_resource_types:
        return supported_set
    return supported_set - GLOBAL_RESOURCE_TYPES


def _invalid(message: str) -> ApiError:
    return ApiError("InvalidRecordingGroupException", message)


def validate_recording_group(group: RecordingGroup) -> None:
    """Raise InvalidRecordingGroupException for the combinations AWS refuses."""
    known = aws_resource_types()
    strategy = group.strategy
    if group.all_supported:
        if strategy is not RecordingStrategy.ALL_SUPPORTED_RESOURCE_TYPES:
            raise _invalid("allSupported=true needs recordingStrategy ALL_SUPPORTED_RESOURCE_TYPES.")
        if group.resource_types:
            raise _invalid("resourceTypes must be empty when allSupported is true.")
        if group.exclusion_resource_types:
            raise _invalid("exclusionByResourceTypes cannot be used when allSupported is true.")
        return
    if group.include_global_resource_types and strategy is not RecordingStrategy.EXCLUSION_BY_RESOURCE_TYPES:
        raise _invalid("includeGlobalResourceTypes can be true only when allSupported is true.")
    if strategy is RecordingStrategy.ALL_SUPPORTED_RESOURCE_TYPES:
        raise _invalid("recordingStrategy ALL_SUPPORTED_RESOURCE_TYPES needs allSupported=true.")
    if strategy is RecordingStrategy.INCLUSION_BY_RESOURCE_TYPES:
        if not group.resource_types:
            raise _invalid("The recording group records nothing: list resourceTypes or set allSupported.")
        if group.exclusion_resource_types:
            raise _invalid("exclusionByResourceTypes needs recordingStrategy EXCLUSION_BY_RESOURCE_TYPES.")
        listed = group.resource_types
    else:
        if not group.exclusion_resource_types:
            raise _invalid(
                "EXCLUSION_BY_RESOURCE_TYPES needs a non-empty exclusionByResourceTypes.resourceTypes."
            )
        if group.resource_types:
            raise _invalid("resourceTypes must be empty with EXCLUSION_BY_RESOURCE_TYPES.")
        listed = group.exclusion_resource_types
    unknown = sorted(set(listed) - known)
    if unknown:
        raise _invalid(f"Unknown resource types: {', '.join(unknown)}.")


def validate_recording_mode(mode: RecordingMode) -> None:
    if len(mode.overrides) > 1:
        raise ApiError("ValidationException", "recordingModeOverrides takes at most one override.")
    for override in mode.overrides:
        unknown = sorted(set(override.resource_types) - aws_resource_types())
        if unknown:
            raise ApiError(
                "ValidationException", f"Unknown resource types in recordingModeOverrides: {unknown}."
            )
        # A global DAILY is fine (these types are simply kept CONTINUOUS); naming them is not.
        forced = sorted(set(override.resource_types) & CONTINUOUS_ONLY_TYPES)
        if forced and override.recording_frequency is RecordingFrequency.DAILY:
            raise ApiError("ValidationException", f"{', '.join(forced)} can only be recorded CONTINUOUS.")


def frequency_for(mode: RecordingMode, resource_type: str) -> RecordingFrequency:
    """The recording frequency of a type; the continuous-only types stay CONTINUOUS."""
    if resource_type in CONTINUOUS_ONLY_TYPES:
        return RecordingFrequency.CONTINUOUS
    return mode.frequency_for(resource_type)
