"""Which error answers a Lambda request that breaks its model's constraints.

Lambda answers them all with ValidationException, save one: a `Runtime` outside the enum is an
InvalidParameterValueException that quotes no value and allows an ARN (AWS's recorded answer to
CreateFunction with Runtime `PYTHON3.9`: "Value PYTHON3.9 at 'runtime' failed to satisfy
constraint: Member must satisfy enum value set: [...] or be a valid ARN"), checked after the
request passed every other constraint.
"""

from __future__ import annotations

from collections.abc import Sequence

from stockade.domain.violations import Violation, summarize
from stockade.errors import ApiError
from stockade.services.lambda_.errors import InvalidParameterValueError, ValidationError


def _is_runtime(problem: Violation) -> bool:
    return problem.enum and problem.path == "runtime"


def refuse_invalid(problems: Sequence[Violation]) -> ApiError:
    others = [problem for problem in problems if not _is_runtime(problem)]
    if others or not problems:
        return ValidationError(summarize([problem.text for problem in others]))
    runtime = problems[0]
    shown = runtime.shown[1:-1] if runtime.shown.startswith("'") else runtime.shown
    return InvalidParameterValueError(
        f"Value {shown} at 'runtime' failed to satisfy constraint: {runtime.constraint}"
        " or be a valid ARN"
    )
