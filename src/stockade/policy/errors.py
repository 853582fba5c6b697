"""Errors of the policy language; no wire identity here (services translate them).

PolicyError
├── MalformedPolicyDocumentError   policy text breaks the grammar; message is IAM-like
└── InvalidAuthorizationInputError  a request or policy set built by our own code is unusable
"""

from __future__ import annotations

from stockade.errors import StockadeError


class PolicyError(StockadeError):
    """Root of the policy package's errors."""


class MalformedPolicyDocumentError(PolicyError):
    """A policy document is not valid policy language.

    `message` mirrors what IAM answers (e.g. "Syntax errors in policy.") so that services can
    return it as-is in a `MalformedPolicyDocument` error. `where` names the offending element
    (e.g. "Statement[2].Condition") for our own diagnostics; neither carries request values.
    """

    def __init__(self, message: str, where: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.where = where


class InvalidAuthorizationInputError(PolicyError):
    """An `AuthorizationRequest` or `PolicySet` was built wrongly: a bug in the caller."""
