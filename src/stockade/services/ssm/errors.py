"""Parameter Store's API errors, as botocore's `ssm` model names them (400 sender faults but
the internal one, a 500 fault; AccessDeniedException and ValidationException are AWS's
common errors, which Systems Manager answers too).

ApiError
└── SsmError                                   500 InternalServerError (a fault)
    ├── InternalServerError
    └── _Refused                               the caller's faults: 400 unless noted
        ├── ParameterNotFoundError                 ParameterNotFound
        ├── ParameterAlreadyExistsError            ParameterAlreadyExists
        ├── ParameterVersionNotFoundError          ParameterVersionNotFound
        ├── ParameterVersionLabelLimitError        ParameterVersionLabelLimitExceeded
        ├── ParameterMaxVersionLimitError          ParameterMaxVersionLimitExceeded
        ├── HierarchyLevelLimitError               HierarchyLevelLimitExceededException
        ├── InvalidAllowedPatternError             InvalidAllowedPatternException
        ├── ParameterPatternMismatchError          ParameterPatternMismatchException
        ├── InvalidPolicyTypeError                 InvalidPolicyTypeException
        ├── InvalidKeyIdError                      InvalidKeyId
        ├── InvalidFilterKeyError                  InvalidFilterKey
        ├── InvalidFilterOptionError               InvalidFilterOption
        ├── InvalidFilterValueError                InvalidFilterValue
        ├── InvalidNextTokenError                  InvalidNextToken
        ├── InvalidResourceIdError                 InvalidResourceId
        ├── TooManyTagsError                       TooManyTagsError
        ├── TooManyUpdatesError                    TooManyUpdates (a concurrent change won)
        ├── AccessDeniedError                      403 AccessDeniedException
        └── ValidationError                        ValidationException
"""

from __future__ import annotations

from stockade.errors import ApiError


class SsmError(ApiError):
    code = "InternalServerError"  # every subclass names its own
    http_status = 500
    sender_fault = False


class _Refused(SsmError):
    """The caller's fault (400)."""

    code = "ValidationException"
    http_status = 400
    sender_fault = True


class ParameterNotFoundError(_Refused):
    code = "ParameterNotFound"


class ParameterAlreadyExistsError(_Refused):
    code = "ParameterAlreadyExists"


class ParameterVersionNotFoundError(_Refused):
    code = "ParameterVersionNotFound"


class ParameterVersionLabelLimitError(_Refused):
    code = "ParameterVersionLabelLimitExceeded"


class ParameterMaxVersionLimitError(_Refused):
    code = "ParameterMaxVersionLimitExceeded"


class HierarchyLevelLimitError(_Refused):
    code = "HierarchyLevelLimitExceededException"


class InvalidAllowedPatternError(_Refused):
    code = "InvalidAllowedPatternException"


class ParameterPatternMismatchError(_Refused):
    code = "ParameterPatternMismatchException"


class InvalidPolicyTypeError(_Refused):
    code = "InvalidPolicyTypeException"


class InvalidKeyIdError(_Refused):
    code = "InvalidKeyId"


class InvalidFilterKeyError(_Refused):
    code = "InvalidFilterKey"


class InvalidFilterOptionError(_Refused):
    code = "InvalidFilterOption"


class InvalidFilterValueError(_Refused):
    code = "InvalidFilterValue"


class InvalidNextTokenError(_Refused):
    code = "InvalidNextToken"


class InvalidResourceIdError(_Refused):
    code = "InvalidResourceId"


class TooManyTagsError(_Refused):
    code = "TooManyTagsError"


class ValidationError(_Refused):
    code = "ValidationException"


class AccessDeniedError(_Refused):
    code = "AccessDeniedException"
    http_status = 403


class InternalServerError(SsmError):
    code = "InternalServerError"
    http_status = 500
    sender_fault = False


def not_found(name: str) -> ParameterNotFoundError:
    return ParameterNotFoundError(f"Parameter {name} not found.")


def no_version(version: int | str, name: str) -> ParameterVersionNotFoundError:
    return ParameterVersionNotFoundError(
        f"Systems Manager could not find version {version} of {name}."
        " Verify the version and try again."
    )


class TooManyUpdatesError(_Refused):
    code = "TooManyUpdates"
