"""Evaluation: who a resource-based policy names, and what that is worth.

Within one account (IAM User Guide, "Policy evaluation logic", resource-based policies): a
grant to the IAM user or to the role session itself is not limited by the boundary or session
policies; a grant to the role (or to the IAM user behind a federated user) is; a grant to the
account delegates to identity policies. NotPrincipal follows the NotPrincipal page, failing
closed where the page says AWS "might" check the account or role first.
"""

from __future__ import annotations

import pytest

from stockade.policy import Layer, PolicyKind, RequestPrincipal, evaluate

from .cases import (
    ACCOUNT,
    ALICE_ARN,
    ALLOW,
    ANONYMOUS,
    BOB,
    BOB_ARN,
    EXPLICIT,
    FEDERATED,
    FEDERATED_ARN,
    IMPLICIT,
    OTHER,
    PARTNER,
    PARTNER_DAVE,
    PARTNER_ROLE,
    PARTNER_SESSION,
    PARTNER_USER,
    ROLE_ARN,
    ROOT,
    S3_SERVICE,
    SESSION,
    SESSION_ARN,
    Case,
    allow,
    grant,
    outcome,
    refuse,
)

ROOT_ARN = f"arn:aws:iam::{ACCOUNT}:root"
NARROW = [allow("Narrow", "s3:*")]
WEB = RequestPrincipal.anonymous(federated_provider="accounts.google.com")
CANONICAL = RequestPrincipal(
    RequestPrincipal.anonymous().kind, "", canonical_user="79a59df900b949e55d96a1e698fbace"
)

PRINCIPAL_CASES = [
    # --- same account: grant to the caller itself -------------------------------------------
    Case(
        "user-named-directly-needs-no-identity-policy",
        ALLOW,
        ("resource:User",),
        resource=[grant("User", {"AWS": ALICE_ARN})],
    ),
    Case(
        "user-named-directly-is-not-capped-by-boundary",
        ALLOW,
        ("resource:User",),
        resource=[grant("User", {"AWS": ALICE_ARN})],
        boundary=NARROW,
    ),
    Case(
        "other-user-named",
        IMPLICIT,
        missing=Layer.IDENTITY,
        resource=[grant("Bob", {"AWS": BOB_ARN})],
    ),
    Case(
        "user-named-in-a-list",
        ALLOW,
        ("resource:Users",),
        resource=[grant("Users", {"AWS": [BOB_ARN, ALICE_ARN]})],
    ),
    Case(
        "session-named-directly",
        ALLOW,
        ("resource:Session",),
        principal=SESSION,
        resource=[grant("Session", {"AWS": SESSION_ARN})],
    ),
    Case(
        "session-named-directly-not-capped-by-boundary",
        ALLOW,
        ("resource:Session",),
        principal=SESSION,
        resource=[grant("Session", {"AWS": SESSION_ARN})],
        boundary=NARROW,
    ),
    Case(
        "session-named-directly-not-capped-by-session-policy",
        ALLOW,
        ("resource:Session",),
        principal=SESSION,
        resource=[grant("Session", {"AWS": SESSION_ARN})],
        session=(NARROW,),
    ),
    Case(
        "other-session-of-same-role-not-named",
        IMPLICIT,
        missing=Layer.IDENTITY,
        principal=SESSION,
        resource=[grant("Other", {"AWS": f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/other"})],
    ),
    # --- same account: grant to the role ----------------------------------------------------
    Case(
        "role-named-grants-its-sessions",
        ALLOW,
        ("resource:Role",),
        principal=SESSION,
        resource=[grant("Role", {"AWS": ROLE_ARN})],
    ),
    Case(
        "role-named-is-capped-by-boundary",
        IMPLICIT,
        missing=Layer.BOUNDARY,
        principal=SESSION,
        resource=[grant("Role", {"AWS": ROLE_ARN})],
        boundary=NARROW,
    ),
    Case(
        "role-named-within-boundary",
        ALLOW,
        ("boundary:Cap", "resource:Role"),
        principal=SESSION,
        resource=[grant("Role", {"AWS": ROLE_ARN})],
        boundary=[allow("Cap", "lambda:*")],
    ),
    Case(
        "role-named-is-capped-by-session-policy",
        IMPLICIT,
        missing=Layer.SESSION,
        principal=SESSION,
        resource=[grant("Role", {"AWS": ROLE_ARN})],
        session=(NARROW,),
    ),
    Case(
        "role-named-within-session-policy",
        ALLOW,
        ("session:S", "resource:Role"),
        principal=SESSION,
        resource=[grant("Role", {"AWS": ROLE_ARN})],
        session=([allow("S")],),
    ),
    Case(
        "role-arn-does-not-name-an-iam-user",
        IMPLICIT,
        missing=Layer.IDENTITY,
        resource=[grant("Role", {"AWS": ROLE_ARN})],
    ),
    # --- same account: grant to the account -------------------------------------------------
    Case(
        "account-root-named-delegates-to-identity-policy",
        IMPLICIT,
        missing=Layer.IDENTITY,
        resource=[grant("Account", {"AWS": ROOT_ARN})],
    ),
    Case(
        "account-id-named-plus-identity-allow",
        ALLOW,
        ("identity:A", "resource:Account"),
        identity=([allow("A")],),
        resource=[grant("Account", {"AWS": ACCOUNT})],
    ),
    Case(
        "account-named-still-capped-by-boundary",
        IMPLICIT,
        missing=Layer.BOUNDARY,
        identity=([allow("A")],),
        resource=[grant("Account", {"AWS": ROOT_ARN})],
        boundary=NARROW,
    ),
    Case(
        "account-named-still-capped-by-session-policy",
        IMPLICIT,
        missing=Layer.SESSION,
        principal=SESSION,
        identity=([allow("A")],),
        resource=[grant("Account", {"AWS": ROOT_ARN})],
        session=(NARROW,),
    ),
    Case(
        "direct-grant-preferred-over-account-grant",
        ALLOW,
        ("resource:User",),
        resource=[grant("Account", {"AWS": ACCOUNT}), grant("User", {"AWS": ALICE_ARN})],
        boundary=NARROW,
    ),
    Case(
        "role-grant-preferred-over-account-grant",
        ALLOW,
        ("boundary:Cap", "resource:Role"),
        principal=SESSION,
        resource=[
            grant("Account", {"AWS": ACCOUNT}),
            grant("Role", {"AWS": ROLE_ARN}),
            grant("Account2", {"AWS": ROOT_ARN}),
        ],
        boundary=[allow("Cap", "lambda:*")],
    ),
    # --- federated-user sessions ------------------------------------------------------------
    Case(
        "federated-session-named-directly",
        ALLOW,
        ("resource:Fed",),
        principal=FEDERATED,
        resource=[grant("Fed", {"AWS": FEDERATED_ARN})],
    ),
    Case(
        "federating-user-named-needs-session-policy",
        IMPLICIT,
        missing=Layer.SESSION,
        principal=FEDERATED,
        resource=[grant("Bob", {"AWS": BOB_ARN})],
    ),
    Case(
        "federating-user-named-within-session-policy",
        ALLOW,
        ("session:S", "resource:Bob"),
        principal=FEDERATED,
        resource=[grant("Bob", {"AWS": BOB_ARN})],
        session=([allow("S")],),
    ),
    # --- Principal "*" with principal condition keys ----------------------------------------
    Case(
        "star-with-principal-arn-condition-is-not-capped",
        ALLOW,
        ("resource:ByArn",),
        principal=SESSION,
        boundary=NARROW,
        session=(NARROW,),
        resource=[grant("ByArn", "*", Condition={"ArnEquals": {"aws:PrincipalArn": ROLE_ARN}})],
        context={"aws:PrincipalArn": (ROLE_ARN,)},
    ),
    Case(
        "star-with-principal-account-condition-mismatch",
        IMPLICIT,
        missing=Layer.IDENTITY,
        resource=[grant("Org", "*", Condition={"StringEquals": {"aws:PrincipalAccount": OTHER}})],
        context={"aws:PrincipalAccount": (ACCOUNT,)},
    ),
    Case(
        "deny-all-but-one-principal-arn",
        EXPLICIT,
        ("resource:OnlyBob",),
        identity=([allow("A")],),
        resource=[
            refuse("OnlyBob", "*", Condition={"ArnNotEquals": {"aws:PrincipalArn": BOB_ARN}})
        ],
        context={"aws:PrincipalArn": (ALICE_ARN,)},
    ),
    Case(
        "deny-all-but-one-principal-arn-spares-it",
        ALLOW,
        ("identity:A",),
        principal=BOB,
        identity=([allow("A")],),
        resource=[
            refuse("OnlyBob", "*", Condition={"ArnNotEquals": {"aws:PrincipalArn": BOB_ARN}})
        ],
        context={"aws:PrincipalArn": (BOB_ARN,)},
    ),
    # --- NotPrincipal -----------------------------------------------------------------------
    # IAM User Guide (NotPrincipal): deny all except Bob, listing Bob and his account.
    Case(
        "docs-not-principal-deny-spares-bob",
        ALLOW,
        ("identity:A",),
        principal=BOB,
        identity=([allow("A")],),
        resource=[
            {
                "Sid": "AllButBob",
                "Effect": "Deny",
                "NotPrincipal": {"AWS": [BOB_ARN, ROOT_ARN]},
                "Action": "lambda:*",
                "Resource": "*",
            }
        ],
    ),
    Case(
        "docs-not-principal-deny-denies-alice",
        EXPLICIT,
        ("resource:AllButBob",),
        identity=([allow("A")],),
        resource=[
            {
                "Sid": "AllButBob",
                "Effect": "Deny",
                "NotPrincipal": {"AWS": [BOB_ARN, ROOT_ARN]},
                "Action": "lambda:*",
                "Resource": "*",
            }
        ],
    ),
    Case(
        "not-principal-deny-without-account-denies-bob",
        EXPLICIT,
        ("resource:AllButBob",),
        principal=BOB,
        identity=([allow("A")],),
        resource=[
            {
                "Sid": "AllButBob",
                "Effect": "Deny",
                "NotPrincipal": {"AWS": BOB_ARN},
                "Action": "lambda:*",
                "Resource": "*",
            }
        ],
    ),
    Case(
        "docs-not-principal-deny-spares-listed-session",
        ALLOW,
        ("identity:A", "resource:Call"),
        principal=PARTNER,
        identity=([allow("A")],),
        resource=[
            {
                "Sid": "Audit",
                "Effect": "Deny",
                "NotPrincipal": {
                    "AWS": [PARTNER_SESSION, PARTNER_ROLE, f"arn:aws:iam::{OTHER}:root"]
                },
                "Action": "lambda:*",
                "Resource": "*",
            },
            grant("Call", {"AWS": OTHER}),
        ],
    ),
    Case(
        "not-principal-deny-without-role-denies-session",
        EXPLICIT,
        ("resource:Audit",),
        principal=PARTNER,
        identity=([allow("A")],),
        resource=[
            {
                "Sid": "Audit",
                "Effect": "Deny",
                "NotPrincipal": {"AWS": [PARTNER_SESSION, f"arn:aws:iam::{OTHER}:root"]},
                "Action": "lambda:*",
                "Resource": "*",
            },
            grant("Call", {"AWS": OTHER}),
        ],
    ),
    Case(
        "not-principal-deny-always-denies-principal-with-boundary",
        EXPLICIT,
        ("resource:AllButBob",),
        principal=BOB,
        identity=([allow("A")],),
        boundary=[allow("Cap", "*")],
        resource=[
            {
                "Sid": "AllButBob",
                "Effect": "Deny",
                "NotPrincipal": {"AWS": [BOB_ARN, ROOT_ARN]},
                "Action": "lambda:*",
                "Resource": "*",
            }
        ],
    ),
    Case(
        "not-principal-deny-spares-root-when-account-listed",
        ALLOW,
        (),
        principal=ROOT,
        boundary=[allow("Cap", "*")],
        resource=[
            {
                "Sid": "Keep",
                "Effect": "Deny",
                "NotPrincipal": {"AWS": ACCOUNT},
                "Action": "*",
                "Resource": "*",
            }
        ],
    ),
    Case(
        "not-principal-deny-star-spares-everyone",
        ALLOW,
        ("identity:A",),
        identity=([allow("A")],),
        resource=[
            {"Sid": "None", "Effect": "Deny", "NotPrincipal": "*", "Action": "*", "Resource": "*"}
        ],
    ),
    Case(
        "not-principal-deny-covers-services",
        EXPLICIT,
        ("resource:OnlyUsers",),
        principal=S3_SERVICE,
        resource=[
            grant("S3", {"Service": "s3.amazonaws.com"}),
            {
                "Sid": "OnlyUsers",
                "Effect": "Deny",
                "NotPrincipal": {"AWS": "*"},
                "Action": "*",
                "Resource": "*",
            },
        ],
    ),
    Case(
        "not-principal-deny-aws-star-spares-anonymous",
        ALLOW,
        ("resource:Public",),
        principal=ANONYMOUS,
        resource=[
            grant("Public", "*"),
            {
                "Sid": "OnlyAws",
                "Effect": "Deny",
                "NotPrincipal": {"AWS": "*"},
                "Action": "*",
                "Resource": "*",
            },
        ],
    ),
    Case(
        "not-principal-allow-grants-unlisted",
        ALLOW,
        ("resource:AllButBob",),
        resource=[
            {
                "Sid": "AllButBob",
                "Effect": "Allow",
                "NotPrincipal": {"AWS": BOB_ARN},
                "Action": "lambda:*",
                "Resource": "*",
            }
        ],
    ),
    Case(
        "not-principal-allow-skips-listed",
        IMPLICIT,
        missing=Layer.IDENTITY,
        principal=BOB,
        resource=[
            {
                "Sid": "AllButBob",
                "Effect": "Allow",
                "NotPrincipal": {"AWS": BOB_ARN},
                "Action": "lambda:*",
                "Resource": "*",
            }
        ],
    ),
    Case(
        "not-principal-allow-skips-everyone-in-listed-account",
        IMPLICIT,
        missing=Layer.IDENTITY,
        resource=[
            {
                "Sid": "NotUs",
                "Effect": "Allow",
                "NotPrincipal": {"AWS": ACCOUNT},
                "Action": "lambda:*",
                "Resource": "*",
            }
        ],
    ),
    # --- other principal forms --------------------------------------------------------------
    Case(
        "several-accounts-in-a-list",
        ALLOW,
        ("identity:A", "resource:Partners"),
        principal=PARTNER_DAVE,
        identity=([allow("A")],),
        resource=[grant("Partners", {"AWS": ["999988887777", OTHER]})],
    ),
    Case(
        "cross-account-user-named",
        ALLOW,
        ("identity:A", "resource:Dave"),
        principal=PARTNER_DAVE,
        identity=([allow("A")],),
        resource=[grant("Dave", {"AWS": PARTNER_USER})],
    ),
    Case(
        "service-and-aws-in-one-principal",
        ALLOW,
        ("resource:Both",),
        principal=S3_SERVICE,
        resource=[
            grant("Both", {"AWS": ACCOUNT, "Service": ["sns.amazonaws.com", "s3.amazonaws.com"]})
        ],
    ),
    Case(
        "web-identity-in-trust-policy",
        ALLOW,
        ("resource:Google",),
        principal=WEB,
        resource=[
            {
                "Sid": "Google",
                "Effect": "Allow",
                "Principal": {"Federated": "accounts.google.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
            }
        ],
        resource_kind=PolicyKind.TRUST,
        action="sts:AssumeRoleWithWebIdentity",
        target=ROLE_ARN,
    ),
    Case(
        "other-web-identity-provider",
        IMPLICIT,
        missing=Layer.RESOURCE,
        principal=WEB,
        resource=[
            {
                "Sid": "Cognito",
                "Effect": "Allow",
                "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
            }
        ],
        resource_kind=PolicyKind.TRUST,
        action="sts:AssumeRoleWithWebIdentity",
        target=ROLE_ARN,
    ),
    Case(
        "canonical-user-principal",
        ALLOW,
        ("resource:Canonical",),
        principal=CANONICAL,
        resource=[grant("Canonical", {"CanonicalUser": "79a59df900b949e55d96a1e698fbace"})],
    ),
]


@pytest.mark.parametrize("case", PRINCIPAL_CASES, ids=lambda case: case.id)
def test_principal_evaluation(case: Case) -> None:
    decision = evaluate(case.request(), case.policy_set())
    assert outcome(decision) == (case.expect, case.reasons, case.missing)
