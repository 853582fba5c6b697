"""Parameter Store's API errors, as botocore's `ssm` model names them (400 sender faults but
the internal one, a 500 fault; AccessDeniedException and ValidationException are AWS's
common errors, which Systems Manager answers too).

ApiError
└── SsmError
    ├── ParameterNotFoundError                 ParameterNotFound
    ├── ParameterAlreadyExistsError            ParameterAlreadyExists
    ├── ParameterVersionNotFoundError          ParameterVersionNotFound
    ├── ParameterVersionLabelLimitError        ParameterVersionLabelLimitExceeded
    ├── ParameterMaxVersionLimitError          ParameterMaxVersionLimitExceeded
    ├── HierarchyLevelLimitError               HierarchyLevelLimitExceededException
    ├── HierarchyTypeMismatchError             HierarchyTypeMismatchException
    ├── InvalidAllowedPatternError             InvalidAllowedPatternException
    ├── ParameterPatternMismatchError          ParameterPatternMismatchException
    ├── UnsupportedParameterTypeError          UnsupportedParameterType
    ├── InvalidPolicyTypeError                 InvalidPolicyTypeException
    ├── InvalidKeyIdError                      InvalidKeyId
    ├── InvalidFilterKeyError                  InvalidFilterKey
    ├── InvalidFilterOptionError               InvalidFilterOption
    ├── InvalidFilterValueError                InvalidFilterValue
    ├── InvalidNextTokenError                  InvalidNextToken
    ├── InvalidResourceIdError                 InvalidResourceId
    ├── InvalidResourceTypeError               InvalidResourceType
    ├── TooManyTagsError                       TooManyTagsError
    ├── TooManyUpdatesError                    TooManyUpdates (a concurrent change won)
    ├── ValidationError                        ValidationException
    ├── AccessDeniedError                      403 AccessDeniedException
    └── InternalServerError                    500 InternalServerError
"""

from __future__ import annotations

from stockade.errors import ApiError


class SsmError(ApiError):
    code = "InternalServerError"
    http_status = 400
    sender_fault = True


class ParameterNotFoundError(SsmError):
    code = "ParameterNotFound"


class ParameterAlreadyExistsError(SsmError):
    code = "ParameterAlreadyExists"


class ParameterVersionNotFoundError(SsmError):
    code = "ParameterVersionNotFound"


class ParameterVersionLabelLimitError(SsmError):
    code = "ParameterVersionLabelLimitExceeded"


class ParameterMaxVersionLimitError(SsmError):
    code = "ParameterMaxVersionLimitExceeded"


class HierarchyLevelLimitError(SsmError):
    code = "HierarchyLevelLimitExceededException"


class HierarchyTypeMismatchError(SsmError):
    code = "HierarchyTypeMismatchException"


class InvalidAllowedPatternError(SsmError):
    code = "InvalidAllowedPatternException"


class ParameterPatternMismatchError(SsmError):
    code = "ParameterPatternMismatchException"


class UnsupportedParameterTypeError(SsmError):
    code = "UnsupportedParameterType"


class InvalidPolicyTypeError(SsmError):
    code = "InvalidPolicyTypeException"


class InvalidKeyIdError(SsmError):
    code = "InvalidKeyId"


class InvalidFilterKeyError(SsmError):
    code = "InvalidFilterKey"


class InvalidFilterOptionError(SsmError):
    code = "InvalidFilterOption"


class InvalidFilterValueError(SsmError):
    code = "InvalidFilterValue"


class InvalidNextTokenError(SsmError):
    code = "InvalidNextToken"


class InvalidResourceIdError(SsmError):
    code = "InvalidResourceId"


class InvalidResourceTypeError(SsmError):
    code = "InvalidResourceType"


class TooManyTagsError(SsmError):
    code = "TooManyTagsError"


class ValidationError(SsmError):
    code = "ValidationException"


class AccessDeniedError(SsmError):
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


class TooManyUpdatesError(SsmError):
    code = "TooManyUpdates"
