"""Which data events an account records: CloudTrail's (basic) event selectors, for the one
trail every Stockade account has.

Management events are always recorded; Stockade does not let an account switch them off. Data
events are Lambda function invocations, selected as CloudTrail selects them: a data resource of
type `AWS::Lambda::Function` whose values are `arn:aws:lambda` (every function) or function
ARNs (a value matches the function it names, with or without a qualifier). An invocation is a
write event, so a selector with `ReadWriteType` ReadOnly records none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

FUNCTION_TYPE = "AWS::Lambda::Function"
ALL_FUNCTIONS = "arn:aws:lambda"
SELECTORS_MAX = 5
VALUES_MAX = 250
DEFAULT_SELECTORS: tuple[Mapping[str, Any], ...] = (
    {"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": [],
     "ExcludeManagementEventSources": []},
)  # fmt: skip


class SelectorError(ValueError):
    """Event selectors that cannot be applied (the message says why)."""


@dataclass(frozen=True)
class DataEventSelection:
    function_values: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, selectors: Sequence[Mapping[str, Any]]) -> DataEventSelection:
        if not 1 <= len(selectors) <= SELECTORS_MAX:
            raise SelectorError(f"A trail can have 1 to {SELECTORS_MAX} event selectors.")
        values: set[str] = set()
        for selector in selectors:
            if selector.get("IncludeManagementEvents", True) is not True:
                raise SelectorError("Management events are always recorded by this trail.")
            if selector.get("ExcludeManagementEventSources"):
                raise SelectorError("Management event sources cannot be excluded.")
            resources = selector.get("DataResources") or []
            writes = selector.get("ReadWriteType", "All") != "ReadOnly"
            for resource in resources:
                kind, found = resource.get("Type"), resource.get("Values") or []
                if kind != FUNCTION_TYPE:
                    raise SelectorError(f"Data resource type {kind} is not supported;"
                                        f" only {FUNCTION_TYPE} is.")  # fmt: skip
                for value in found:
                    if value != ALL_FUNCTIONS and not _is_function_arn(value):
                        raise SelectorError(f"Value {value} for {FUNCTION_TYPE} is invalid.")
                if writes:
                    values.update(found)
        if len(values) > VALUES_MAX:
            raise SelectorError(f"A trail can select at most {VALUES_MAX} data resources.")
        return cls(frozenset(values))

    def records_invocation_of(self, function_arn: str) -> bool:
        if ALL_FUNCTIONS in self.function_values:
            return True
        unqualified = ":".join(function_arn.split(":")[:7])
        return function_arn in self.function_values or unqualified in self.function_values


def _is_function_arn(value: str) -> bool:
    parts = value.split(":")
    return (len(parts) in (7, 8) and parts[:3] == ["arn", "aws", "lambda"]
            and parts[5] == "function" and bool(parts[6]))  # fmt: skip
