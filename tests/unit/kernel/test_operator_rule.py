"""The kernel's rule for operator actions: only the host's operator may take them, and the
operator may take nothing else, whatever an IAM policy says."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from stockade.domain.identity import Principal, PrincipalKind, operator_principal
from stockade.errors import ApiError
from stockade.kernel.authorizer import PolicyAuthorizer
from stockade.services.context import RequestContext
from stockade.services.declaration import Need
from stockade.store.sqlite import SqliteStore
from stockade.types import AccountId, Region, RequestId

ACCOUNT = AccountId("111122223333")


class Denied(ApiError):
    code = "AccessDeniedException"
    http_status = 403


def context(principal: Principal) -> RequestContext:
    return RequestContext(RequestId("r"), principal, Region("us-east-1"), "127.0.0.1", "t", True,
                          datetime(2026, 1, 1, tzinfo=UTC), "")  # fmt: skip


@pytest.fixture
def authorizer(tmp_path: Path) -> PolicyAuthorizer:
    return PolicyAuthorizer(SqliteStore(tmp_path / "s.db"))


def test_the_operator_may_take_operator_actions(authorizer: PolicyAuthorizer) -> None:
    ctx = context(operator_principal(ACCOUNT, "root", 0))
    decision = authorizer.decide(ctx, Need("stockade:CreateAccount"), Denied)
    assert decision.allowed
    assert decision.reason == "the host's operator"


def test_the_operator_reaches_no_service(authorizer: PolicyAuthorizer) -> None:
    ctx = context(operator_principal(ACCOUNT, "root", 0))
    with pytest.raises(Denied, match="operator commands reach no service"):
        authorizer.decide(ctx, Need("lambda:ListFunctions"), Denied)


def test_no_iam_principal_may_take_an_operator_action(authorizer: PolicyAuthorizer) -> None:
    # Decided before any policy is read: an administrator's "Action": "*" does not matter.
    admin = Principal(PrincipalKind.IAM_USER, ACCOUNT, f"arn:aws:iam::{ACCOUNT}:user/admin",
                      "AIDAADMIN", "admin")  # fmt: skip
    with pytest.raises(Denied, match="only the host's operator may"):
        authorizer.decide(context(admin), Need("stockade:CreateAccount"), Denied)
