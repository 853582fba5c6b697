"""Building authorisation requests: callers are validated, contexts are normalised."""

from __future__ import annotations

import pytest

from stockade.policy import (
    AuthorizationRequest,
    Grant,
    InvalidAuthorizationInputError,
    PrincipalKind,
    RequestPrincipal,
)

ACCOUNT = "111122223333"
USER = f"arn:aws:iam::{ACCOUNT}:user/alice"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ops/deployer"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/ci"
FEDERATED = f"arn:aws:sts::{ACCOUNT}:federated-user/carol"
FUNCTION = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f"

USER_KIND = PrincipalKind.USER
SESSION_KIND = PrincipalKind.ASSUMED_ROLE

INVALID_PRINCIPALS = [
    ("service-without-name", PrincipalKind.SERVICE, "", None, ()),
    ("service-with-account", PrincipalKind.SERVICE, "s3.amazonaws.com", ACCOUNT, ()),
    ("anonymous-with-name", PrincipalKind.ANONYMOUS, "someone", None, ()),
    ("anonymous-with-parent", PrincipalKind.ANONYMOUS, "", None, (ROLE,)),
    ("user-without-account", USER_KIND, USER, None, ()),
    ("user-with-short-account", USER_KIND, USER, "1111", ()),
    ("user-arn-not-an-arn", USER_KIND, "alice", ACCOUNT, ()),
    ("user-arn-of-other-account", USER_KIND, USER.replace(ACCOUNT, "444455556666"), ACCOUNT, ()),
    ("user-arn-of-wrong-service", USER_KIND, USER.replace(":iam:", ":sts:"), ACCOUNT, ()),
    ("user-arn-with-region", USER_KIND, USER.replace("iam::", "iam:us-east-1:"), ACCOUNT, ()),
    ("user-arn-without-partition", USER_KIND, USER.replace("arn:aws:", "arn::"), ACCOUNT, ()),
    ("user-arn-not-starting-with-arn", USER_KIND, USER.replace("arn:", "urn:", 1), ACCOUNT, ()),
    ("user-arn-names-a-role", USER_KIND, ROLE, ACCOUNT, ()),
    ("user-arn-without-name", USER_KIND, f"arn:aws:iam::{ACCOUNT}:user/", ACCOUNT, ()),
    ("user-with-parent", USER_KIND, USER, ACCOUNT, (ROLE,)),
    ("root-arn-not-root", PrincipalKind.ROOT, USER, ACCOUNT, ()),
    ("session-without-parent", SESSION_KIND, SESSION, ACCOUNT, ()),
    ("session-with-two-parents", SESSION_KIND, SESSION, ACCOUNT, (ROLE, ROLE)),
    ("session-arn-without-session-name", SESSION_KIND, SESSION.rsplit("/", 1)[0], ACCOUNT, (ROLE,)),
    ("session-parent-not-an-arn", SESSION_KIND, SESSION, ACCOUNT, ("deployer",)),
    ("session-parent-is-a-user", SESSION_KIND, SESSION, ACCOUNT, (USER,)),
    (
        "session-parent-in-other-account",
        SESSION_KIND,
        SESSION,
        ACCOUNT,
        (ROLE.replace(ACCOUNT, "444455556666"),),
    ),
    (
        "session-parent-is-another-role",
        SESSION_KIND,
        SESSION,
        ACCOUNT,
        (f"arn:aws:iam::{ACCOUNT}:role/admin",),
    ),
    ("federated-parent-is-a-role", PrincipalKind.FEDERATED_USER, FEDERATED, ACCOUNT, (ROLE,)),
]


@pytest.mark.parametrize(
    ("kind", "arn", "account", "parents"),
    [case[1:] for case in INVALID_PRINCIPALS],
    ids=[case[0] for case in INVALID_PRINCIPALS],
)
def test_invalid_principals_are_refused(
    kind: PrincipalKind, arn: str, account: str | None, parents: tuple[str, ...]
) -> None:
    with pytest.raises(InvalidAuthorizationInputError, match="invalid principal"):
        RequestPrincipal(kind, arn, account, parents)


def test_constructors_build_valid_principals() -> None:
    assert RequestPrincipal.user(f"arn:aws:iam::{ACCOUNT}:user/eng/alice").account_id == ACCOUNT
    session = RequestPrincipal.assumed_role(SESSION, ROLE)
    assert (session.kind, session.parent_arns) == (SESSION_KIND, (ROLE,))
    assert RequestPrincipal.federated_user(FEDERATED, USER).has_account
    assert (
        RequestPrincipal.root(ACCOUNT, partition="aws-cn").arn == f"arn:aws-cn:iam::{ACCOUNT}:root"
    )
    assert not RequestPrincipal.service("s3.amazonaws.com").has_account
    with pytest.raises(InvalidAuthorizationInputError):
        RequestPrincipal.user("not-an-arn")


def test_links_name_the_caller_then_its_parent_then_its_account() -> None:
    links = RequestPrincipal.assumed_role(SESSION, ROLE).links
    assert [grant for grant, _ in links] == [Grant.DIRECT, Grant.PARENT, Grant.ACCOUNT]
    assert links[0][1] == (("AWS", frozenset({SESSION, "*"})),)
    assert links[1][1] == (("AWS", frozenset({ROLE, "*"})),)
    assert links[2][1] == (("AWS", frozenset({ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", "*"})),)


def test_service_and_anonymous_links() -> None:
    service = RequestPrincipal.service("s3.amazonaws.com")
    assert service.links == ((Grant.DIRECT, (("Service", frozenset({"s3.amazonaws.com"})),)),)
    web = RequestPrincipal.anonymous(federated_provider="accounts.google.com")
    assert web.links == (
        (
            Grant.DIRECT,
            (("AWS", frozenset({"*"})), ("Federated", frozenset({"accounts.google.com"}))),
        ),
    )


def _request(**overrides: object) -> AuthorizationRequest:
    fields: dict[str, object] = {
        "principal": RequestPrincipal.user(USER),
        "action": "lambda:InvokeFunction",
        "resource": FUNCTION,
        "resource_account": ACCOUNT,
    }
    fields.update(overrides)
    return AuthorizationRequest(**fields)  # type: ignore[arg-type]


def test_request_derives_lookup_forms() -> None:
    request = _request(context={"AWS:SourceIp": ("10.0.0.1",), "aws:TagKeys": ()})
    assert request.action_key == "lambda:invokefunction"
    assert request.resource_arn == ("arn", "aws", "lambda", "us-east-1", ACCOUNT, "function:f")
    assert dict(request.keys) == {"aws:sourceip": ("10.0.0.1",), "aws:tagkeys": ()}
    assert request.same_account


def test_request_context_is_copied_and_not_shown() -> None:
    context = {"aws:SourceIp": ("10.0.0.1",)}
    request = _request(context=context)
    context["aws:SourceIp"] = ("10.9.9.9",)
    assert request.keys["aws:sourceip"] == ("10.0.0.1",)
    assert "10.0.0.1" not in repr(request)


def test_account_level_actions_have_no_resource_arn() -> None:
    assert _request(resource="*").resource_arn is None


BAD_REQUESTS = [
    ("action-without-service", {"action": "InvokeFunction"}, "action must be"),
    ("action-without-name", {"action": "lambda:"}, "action must be"),
    ("empty-resource", {"resource": ""}, "resource not empty"),
    ("resource-account-not-an-id", {"resource_account": "alice"}, "12-digit"),
    ("context-value-not-a-tuple", {"context": {"aws:SourceIp": "10.0.0.1"}}, "tuple of str"),
    ("context-value-not-str", {"context": {"aws:EpochTime": (1,)}}, "tuple of str"),
    (
        "context-key-given-twice",
        {"context": {"aws:SourceIp": ("1.1.1.1",), "AWS:SOURCEIP": ("1.1.1.1",)}},
        "given twice",
    ),
]


@pytest.mark.parametrize(
    ("overrides", "message"), [c[1:] for c in BAD_REQUESTS], ids=[c[0] for c in BAD_REQUESTS]
)
def test_bad_requests_are_refused(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidAuthorizationInputError, match=message):
        _request(**overrides)
