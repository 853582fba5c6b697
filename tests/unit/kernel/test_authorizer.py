"""The AccessDenied wording and the engine's view of Stockade principals."""

from __future__ import annotations

from stockade.domain.identity import Principal, PrincipalKind
from stockade.kernel.authorizer import request_principal, why_denied
from stockade.policy import Decision, DecisionKind, Effect, Layer, Reason, RequestPrincipal
from stockade.types import AccountId

ACCOUNT = AccountId("111122223333")


def test_an_implicit_denial_names_the_layer_that_did_not_allow() -> None:
    outcome = Decision(DecisionKind.IMPLICIT_DENY, missing=Layer.BOUNDARY)
    assert why_denied(outcome, "lambda:GetFunction") == (
        "because no permissions boundary allows the lambda:GetFunction action"
    )


def test_an_explicit_deny_names_the_policy_kind() -> None:
    reason = Reason(Layer.IDENTITY, "p", 0, None, Effect.DENY)
    outcome = Decision(DecisionKind.EXPLICIT_DENY, (reason,))
    assert why_denied(outcome, "x:Y") == "with an explicit deny in an identity-based policy"


def test_a_role_session_maps_to_an_assumed_role_principal() -> None:
    session = Principal(
        PrincipalKind.ASSUMED_ROLE,
        ACCOUNT,
        f"arn:aws:sts::{ACCOUNT}:assumed-role/r/s",
        "AROAX:s",
        "s",
        role_arn=f"arn:aws:iam::{ACCOUNT}:role/path/r",
    )
    assert request_principal(session) == RequestPrincipal.assumed_role(
        session.arn, f"arn:aws:iam::{ACCOUNT}:role/path/r"
    )


def test_the_account_root_is_not_a_usable_principal() -> None:
    root = Principal(PrincipalKind.ROOT, ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, "root")
    assert request_principal(root) is None
