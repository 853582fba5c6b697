"""Evaluation: the core of AWS's logic (IAM User Guide, "Policy evaluation logic").

Explicit deny wins, default deny, identity policies, permissions boundaries, session policies,
guardrails, cross-account, policy versions and variables. Principal-specific resource-policy
cases live in test_evaluate_principals.py, condition-heavy ones in test_evaluate_conditions.py.
"""

from __future__ import annotations

import pytest

from stockade.policy import Layer, PolicyKind, RequestPrincipal, evaluate

from .cases import (
    ACCOUNT,
    ALLOW,
    ANONYMOUS,
    BOB_ARN,
    EXPLICIT,
    FEDERATED,
    FUNCTION,
    IMPLICIT,
    KEY,
    OTHER,
    OTHER_FUNCTION,
    OTHER_ROOT,
    PARTNER,
    PARTNER_ROLE,
    PARTNER_SESSION,
    ROOT,
    S3_SERVICE,
    SESSION,
    Case,
    allow,
    deny,
    grant,
    outcome,
    refuse,
)

ID = Layer.IDENTITY
RES = Layer.RESOURCE
QUALIFIED = f"{FUNCTION}:prod"
FN_PREFIX = f"arn:aws:lambda:*:{ACCOUNT}:function:"
LAMBDA_SERVICE = RequestPrincipal.service("lambda.amazonaws.com")
ANY_FN = "arn:aws:lambda:*:*:function:*"

CORE_CASES = [
    # --- default deny and identity allows -------------------------------------------------
    Case("no-policy-is-an-implicit-deny", IMPLICIT, missing=ID),
    Case("allow-star-allows", ALLOW, ("identity:All",), identity=([allow("All", "*")],)),
    Case("allow-exact-action", ALLOW, ("identity:A",), identity=([allow("A")],)),
    Case(
        "actions-match-case-insensitively",
        ALLOW,
        ("identity:A",),
        identity=([allow("A", "LAMBDA:invokefunction")],),
    ),
    Case("action-star-suffix", ALLOW, ("identity:A",), identity=([allow("A", "lambda:Invoke*")],)),
    Case(
        "action-question-mark",
        ALLOW,
        ("identity:A",),
        identity=([allow("A", "lambda:InvokeFunctio?")],),
    ),
    Case("action-of-other-service", IMPLICIT, missing=ID, identity=([allow("A", "s3:*")],)),
    Case("action-prefix-mismatch", IMPLICIT, missing=ID, identity=([allow("A", "lambda:Get*")],)),
    Case(
        "action-list-any-entry",
        ALLOW,
        ("identity:A",),
        identity=([allow("A", ["s3:GetObject", "lambda:InvokeFunction"])],),
    ),
    Case("resource-exact-arn", ALLOW, ("identity:A",), identity=([allow("A", resource=FUNCTION)],)),
    Case(
        "resource-wildcard-in-name",
        ALLOW,
        ("identity:A",),
        identity=([allow("A", resource="arn:aws:lambda:*:*:function:ord*")],),
    ),
    Case(
        "resource-other-function",
        IMPLICIT,
        missing=ID,
        identity=([allow("A", resource=OTHER_FUNCTION)],),
    ),
    Case(
        "resources-are-case-sensitive",
        IMPLICIT,
        missing=ID,
        identity=([allow("A", resource=FUNCTION.replace("orders", "ORDERS"))],),
    ),
    Case(
        "star-in-account-segment-stops-at-colon",
        IMPLICIT,
        missing=ID,
        identity=([allow("A", resource=f"arn:aws:lambda:{'us-east-1'}:*:orders")],),
    ),
    Case(
        "star-in-resource-segment-spans-colons",
        ALLOW,
        ("identity:A",),
        identity=([allow("A", resource=f"arn:aws:lambda:us-east-1:{ACCOUNT}:*")],),
        target=QUALIFIED,
    ),
    Case(
        "unqualified-arn-does-not-match-qualified-request",
        IMPLICIT,
        missing=ID,
        identity=([allow("A", resource=FUNCTION)],),
        target=QUALIFIED,
    ),
    Case(
        "resource-list-any-entry",
        ALLOW,
        ("identity:A",),
        identity=([allow("A", resource=[OTHER_FUNCTION, FUNCTION])],),
    ),
    Case(
        "not-resource-excludes-the-target",
        IMPLICIT,
        missing=ID,
        identity=([{"Sid": "A", "Effect": "Allow", "Action": "*", "NotResource": FUNCTION}],),
    ),
    Case(
        "not-resource-allows-others",
        ALLOW,
        ("identity:A",),
        identity=([{"Sid": "A", "Effect": "Allow", "Action": "*", "NotResource": OTHER_FUNCTION}],),
    ),
    Case(
        "not-action-allow-covers-other-services",
        ALLOW,
        ("identity:A",),
        identity=([{"Sid": "A", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}],),
    ),
    Case(
        "not-action-allow-excludes-listed",
        IMPLICIT,
        missing=ID,
        identity=([{"Sid": "A", "Effect": "Allow", "NotAction": "lambda:*", "Resource": "*"}],),
    ),
    Case(
        "account-level-action-needs-star-resource",
        IMPLICIT,
        missing=ID,
        identity=([allow("A", "lambda:ListFunctions", ANY_FN)],),
        action="lambda:ListFunctions",
        target="*",
    ),
    Case(
        "account-level-action-with-star-resource",
        ALLOW,
        ("identity:A",),
        identity=([allow("A", "lambda:ListFunctions")],),
        action="lambda:ListFunctions",
        target="*",
    ),
    Case(
        "first-allow-is-reported",
        ALLOW,
        ("identity:First",),
        identity=([allow("First"), allow("Second")],),
    ),
    Case(
        "allow-found-in-a-later-policy",
        ALLOW,
        ("identity:B",),
        identity=([allow("A", "s3:*")], [allow("B")]),
    ),
    # --- explicit deny ----------------------------------------------------------------------
    Case(
        "deny-overrides-allow-in-same-policy",
        EXPLICIT,
        ("identity:D",),
        identity=([allow("A", "*"), deny("D")],),
    ),
    Case(
        "deny-in-another-policy-overrides",
        EXPLICIT,
        ("identity:D",),
        identity=([allow("A", "*")], [deny("D", "lambda:*")]),
    ),
    Case(
        "every-applicable-deny-is-reported",
        EXPLICIT,
        ("identity:D1", "identity:D2"),
        identity=([deny("D1")], [allow("A"), deny("D2", "*"), deny("D3", "s3:*")]),
    ),
    Case(
        "deny-without-any-allow",
        EXPLICIT,
        ("identity:D",),
        identity=([deny("D")],),
    ),
    Case(
        "deny-not-action-denies-everything-else",
        EXPLICIT,
        ("identity:OnlyIam",),
        identity=(
            [
                allow("A", "*"),
                {"Sid": "OnlyIam", "Effect": "Deny", "NotAction": "iam:*", "Resource": "*"},
            ],
        ),
    ),
    Case(
        "deny-not-action-spares-listed-actions",
        ALLOW,
        ("identity:A",),
        identity=(
            [
                allow("A", "*"),
                {"Sid": "D", "Effect": "Deny", "NotAction": "lambda:Get*", "Resource": "*"},
            ],
        ),
        action="lambda:GetFunction",
    ),
    Case(
        "deny-not-resource-denies-other-resources",
        EXPLICIT,
        ("identity:D",),
        identity=(
            [
                allow("A", "*"),
                {"Sid": "D", "Effect": "Deny", "Action": "*", "NotResource": OTHER_FUNCTION},
            ],
        ),
    ),
    Case(
        "deny-with-unmet-condition-does-not-apply",
        ALLOW,
        ("identity:A",),
        identity=([allow("A"), deny("D", Condition={"Bool": {"aws:SecureTransport": "false"}})],),
        context={"aws:SecureTransport": ("true",)},
    ),
    Case(
        "allow-with-unmet-condition-does-not-apply",
        IMPLICIT,
        missing=ID,
        identity=([allow("A", Condition={"StringEquals": {"aws:username": "bob"}})],),
        context={"aws:username": ("alice",)},
    ),
    # IAM User Guide: the carlossalazar example (identity policy with DenyS3Logs).
    Case(
        "docs-carlos-denied-log-bucket",
        EXPLICIT,
        ("identity:DenyS3Logs",),
        identity=(
            [
                allow(
                    "AllowS3ListRead",
                    ["s3:GetBucketLocation", "s3:ListAllMyBuckets"],
                    "arn:aws:s3:::*",
                ),
                allow(
                    "AllowS3Self",
                    "s3:*",
                    ["arn:aws:s3:::carlossalazar/*", "arn:aws:s3:::carlossalazar"],
                ),
                deny("DenyS3Logs", "s3:*", "arn:aws:s3:::*log*"),
            ],
        ),
        action="s3:PutObject",
        target="arn:aws:s3:::carlossalazar-logs/report.txt",
    ),
    Case(
        "docs-carlos-allowed-own-bucket-by-both",
        ALLOW,
        ("resource:Bucket",),
        identity=(
            [
                allow(
                    "AllowS3Self",
                    "s3:*",
                    ["arn:aws:s3:::carlossalazar/*", "arn:aws:s3:::carlossalazar"],
                ),
                deny("DenyS3Logs", "s3:*", "arn:aws:s3:::*log*"),
            ],
        ),
        resource=[
            grant(
                "Bucket",
                {"AWS": f"arn:aws:iam::{ACCOUNT}:user/alice"},
                "s3:*",
                ["arn:aws:s3:::carlossalazar/*", "arn:aws:s3:::carlossalazar"],
            )
        ],
        action="s3:PutObject",
        target="arn:aws:s3:::carlossalazar/report.txt",
    ),
    # IAM User Guide: explicit vs implicit deny (AllowGetList / DenyReports).
    Case(
        "docs-deny-reports-explicit",
        EXPLICIT,
        ("identity:DenyReports",),
        identity=(
            [allow("AllowGetList", ["iam:Get*", "iam:List*"]), deny("DenyReports", "iam:*Report")],
        ),
        action="iam:GetOrganizationsAccessReport",
        target="*",
    ),
    Case(
        "docs-deny-reports-get-allowed",
        ALLOW,
        ("identity:AllowGetList",),
        identity=(
            [allow("AllowGetList", ["iam:Get*", "iam:List*"]), deny("DenyReports", "iam:*Report")],
        ),
        action="iam:GetUser",
        target="*",
    ),
    Case(
        "docs-deny-reports-create-implicit",
        IMPLICIT,
        missing=ID,
        identity=(
            [allow("AllowGetList", ["iam:Get*", "iam:List*"]), deny("DenyReports", "iam:*Report")],
        ),
        action="iam:CreatePolicy",
        target="*",
    ),
    # --- the account root user --------------------------------------------------------------
    Case("root-needs-no-policy", ALLOW, (), principal=ROOT),
    Case(
        "root-is-still-bound-by-explicit-deny",
        EXPLICIT,
        ("resource:NoOne",),
        principal=ROOT,
        resource=[refuse("NoOne", "*")],
    ),
    Case(
        "root-of-another-account-needs-resource-policy", IMPLICIT, missing=RES, principal=OTHER_ROOT
    ),
    Case(
        "root-of-another-account-with-account-grant",
        ALLOW,
        ("resource:Partner",),
        principal=OTHER_ROOT,
        resource=[grant("Partner", {"AWS": OTHER})],
    ),
    Case(
        "root-needs-key-policy-when-required",
        IMPLICIT,
        missing=RES,
        principal=ROOT,
        resource=[grant("Other", {"AWS": BOB_ARN}, "kms:*", "*")],
        resource_required=True,
        action="kms:Decrypt",
        target=KEY,
    ),
    Case(
        "root-with-key-policy-enabling-the-account",
        ALLOW,
        ("resource:EnableIAM",),
        principal=ROOT,
        resource=[grant("EnableIAM", {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "kms:*", "*")],
        resource_required=True,
        action="kms:Decrypt",
        target=KEY,
    ),
    # --- permissions boundaries -------------------------------------------------------------
    # IAM User Guide: ShirleyRodriguez's boundary (S3, CloudWatch, EC2) caps iam:CreateUser.
    Case(
        "docs-boundary-caps-iam-create-user",
        IMPLICIT,
        missing=Layer.BOUNDARY,
        identity=([allow("CreateUser", "iam:CreateUser")],),
        boundary=[allow("Boundary", ["s3:*", "cloudwatch:*", "ec2:*"])],
        action="iam:CreateUser",
        target="*",
    ),
    Case(
        "boundary-caps-an-over-broad-star-policy",
        IMPLICIT,
        missing=Layer.BOUNDARY,
        identity=([allow("Admin", "*")],),
        boundary=[allow("Boundary", ["s3:*", "cloudwatch:*", "ec2:*"])],
    ),
    Case(
        "boundary-and-identity-both-allow",
        ALLOW,
        ("identity:Admin", "boundary:Boundary"),
        identity=([allow("Admin", "*")],),
        boundary=[allow("Boundary", "lambda:*")],
    ),
    Case(
        "boundary-alone-grants-nothing",
        IMPLICIT,
        missing=ID,
        boundary=[allow("Boundary", "*")],
    ),
    Case(
        "boundary-deny-wins",
        EXPLICIT,
        ("boundary:NoInvoke",),
        identity=([allow("Admin", "*")],),
        boundary=[allow("Boundary", "*"), deny("NoInvoke")],
    ),
    Case(
        "boundary-does-not-apply-to-root",
        ALLOW,
        (),
        principal=ROOT,
        boundary=[allow("Boundary", "s3:*")],
    ),
    # --- session policies -------------------------------------------------------------------
    Case(
        "session-policy-caps-role-permissions",
        IMPLICIT,
        missing=Layer.SESSION,
        principal=SESSION,
        identity=([allow("Admin", "*")],),
        session=([allow("ReadOnly", "s3:Get*")],),
    ),
    Case(
        "session-policy-and-role-both-allow",
        ALLOW,
        ("identity:Admin", "session:Invoke"),
        principal=SESSION,
        identity=([allow("Admin", "*")],),
        session=([allow("Invoke", "lambda:Invoke*")],),
    ),
    Case(
        "session-policy-alone-grants-nothing",
        IMPLICIT,
        missing=ID,
        principal=SESSION,
        session=([allow("Invoke", "*")],),
    ),
    Case(
        "any-session-policy-may-allow",
        ALLOW,
        ("identity:Admin", "session:Invoke"),
        principal=SESSION,
        identity=([allow("Admin", "*")],),
        session=([allow("Read", "s3:*")], [allow("Invoke")]),
    ),
    Case(
        "session-policy-deny-wins",
        EXPLICIT,
        ("session:NoInvoke",),
        principal=SESSION,
        identity=([allow("Admin", "*")],),
        session=([allow("All", "*"), deny("NoInvoke")],),
    ),
    Case(
        "boundary-and-session-both-allow",
        ALLOW,
        ("identity:Admin", "boundary:B", "session:S"),
        principal=SESSION,
        identity=([allow("Admin", "*")],),
        boundary=[allow("B", "lambda:*")],
        session=([allow("S")],),
    ),
    Case(
        "boundary-checked-before-session",
        IMPLICIT,
        missing=Layer.BOUNDARY,
        principal=SESSION,
        identity=([allow("Admin", "*")],),
        boundary=[allow("B", "s3:*")],
        session=([allow("S", "s3:*")],),
    ),
    Case(
        "role-session-without-session-policy-keeps-role-permissions",
        ALLOW,
        ("identity:Admin",),
        principal=SESSION,
        identity=([allow("Admin", "*")],),
    ),
    Case(
        "federated-user-without-session-policy-has-no-permissions",
        IMPLICIT,
        missing=Layer.SESSION,
        principal=FEDERATED,
        identity=([allow("Admin", "*")],),
    ),
    Case(
        "federated-user-within-session-policy",
        ALLOW,
        ("identity:Admin", "session:S"),
        principal=FEDERATED,
        identity=([allow("Admin", "*")],),
        session=([allow("S")],),
    ),
    # --- guardrails (SCP-like) --------------------------------------------------------------
    Case(
        "guardrail-allowing-all",
        ALLOW,
        ("guardrail:Full", "identity:A"),
        identity=([allow("A")],),
        guardrails=([allow("Full", "*")],),
    ),
    Case(
        "guardrail-without-the-action",
        IMPLICIT,
        missing=Layer.GUARDRAIL,
        identity=([allow("A", "*")],),
        guardrails=([allow("S3Only", "s3:*")],),
    ),
    Case(
        "guardrail-deny-wins",
        EXPLICIT,
        ("guardrail:NoLambda",),
        identity=([allow("A", "*")],),
        guardrails=([allow("Full", "*"), deny("NoLambda", "lambda:*")],),
    ),
    Case(
        "guardrail-binds-root",
        IMPLICIT,
        missing=Layer.GUARDRAIL,
        principal=ROOT,
        guardrails=([allow("S3Only", "s3:*")],),
    ),
    Case(
        "guardrail-also-caps-resource-policy-grants",
        IMPLICIT,
        missing=Layer.GUARDRAIL,
        resource=[grant("Alice", {"AWS": f"arn:aws:iam::{ACCOUNT}:user/alice"})],
        guardrails=([allow("S3Only", "s3:*")],),
    ),
    Case(
        "guardrail-does-not-bind-service-principals",
        ALLOW,
        ("resource:S3",),
        principal=S3_SERVICE,
        resource=[grant("S3", {"Service": "s3.amazonaws.com"})],
        guardrails=([allow("S3Only", "s3:*"), deny("NoLambda", "lambda:*")],),
    ),
    # --- cross-account ----------------------------------------------------------------------
    Case(
        "cross-account-needs-both-sides",
        ALLOW,
        ("identity:Call", "resource:Partner"),
        principal=PARTNER,
        identity=([allow("Call")],),
        resource=[grant("Partner", {"AWS": OTHER})],
    ),
    Case(
        "cross-account-identity-only",
        IMPLICIT,
        missing=RES,
        principal=PARTNER,
        identity=([allow("Call", "*")],),
    ),
    Case(
        "cross-account-resource-policy-only",
        IMPLICIT,
        missing=ID,
        principal=PARTNER,
        resource=[grant("Partner", {"AWS": OTHER})],
    ),
    Case(
        "cross-account-resource-policy-naming-the-session-still-needs-identity",
        IMPLICIT,
        missing=ID,
        principal=PARTNER,
        resource=[grant("Session", {"AWS": PARTNER_SESSION})],
    ),
    Case(
        "cross-account-resource-policy-naming-the-role",
        ALLOW,
        ("identity:Call", "resource:Role"),
        principal=PARTNER,
        identity=([allow("Call", resource=FUNCTION)],),
        resource=[grant("Role", {"AWS": PARTNER_ROLE})],
    ),
    Case(
        "cross-account-boundary-caps-identity-side",
        IMPLICIT,
        missing=Layer.BOUNDARY,
        principal=PARTNER,
        identity=([allow("Call")],),
        boundary=[allow("B", "s3:*")],
        resource=[grant("Partner", {"AWS": OTHER})],
    ),
    Case(
        "cross-account-resource-deny-wins",
        EXPLICIT,
        ("resource:NoPartner",),
        principal=PARTNER,
        identity=([allow("Call")],),
        resource=[grant("Partner", {"AWS": OTHER}), refuse("NoPartner", {"AWS": PARTNER_ROLE})],
    ),
    Case(
        "cross-account-grant-to-a-third-account",
        IMPLICIT,
        missing=RES,
        principal=PARTNER,
        identity=([allow("Call")],),
        resource=[grant("Third", {"AWS": "999988887777"})],
    ),
    Case(
        "cross-account-to-resource-in-callers-own-account-is-same-account",
        ALLOW,
        ("identity:Call",),
        principal=PARTNER,
        identity=([allow("Call")],),
        target=OTHER_FUNCTION,
        resource_account=OTHER,
    ),
    # --- service and anonymous callers ------------------------------------------------------
    Case(
        "service-principal-granted",
        ALLOW,
        ("resource:S3",),
        principal=S3_SERVICE,
        resource=[grant("S3", {"Service": "s3.amazonaws.com"})],
    ),
    Case(
        "service-principal-of-other-service",
        IMPLICIT,
        missing=RES,
        principal=S3_SERVICE,
        resource=[grant("Sns", {"Service": "sns.amazonaws.com"})],
    ),
    Case("service-principal-without-resource-policy", IMPLICIT, missing=RES, principal=S3_SERVICE),
    Case(
        "aws-star-does-not-name-a-service",
        IMPLICIT,
        missing=RES,
        principal=S3_SERVICE,
        resource=[grant("AnyAws", {"AWS": "*"})],
    ),
    Case(
        "principal-star-names-a-service",
        ALLOW,
        ("resource:Everyone",),
        principal=S3_SERVICE,
        resource=[grant("Everyone", "*")],
    ),
    Case(
        "anonymous-granted-by-principal-star",
        ALLOW,
        ("resource:Public",),
        principal=ANONYMOUS,
        resource=[grant("Public", "*")],
    ),
    Case(
        "anonymous-granted-by-aws-star",
        ALLOW,
        ("resource:Public",),
        principal=ANONYMOUS,
        resource=[grant("Public", {"AWS": "*"})],
    ),
    Case(
        "anonymous-not-named-by-an-account",
        IMPLICIT,
        missing=RES,
        principal=ANONYMOUS,
        resource=[grant("Account", {"AWS": ACCOUNT})],
    ),
    Case("anonymous-without-resource-policy", IMPLICIT, missing=RES, principal=ANONYMOUS),
    Case(
        "anonymous-public-grant-with-deny",
        EXPLICIT,
        ("resource:NoPublicUrl",),
        principal=ANONYMOUS,
        resource=[
            grant("Public", "*", "lambda:InvokeFunctionUrl"),
            refuse(
                "NoPublicUrl",
                "*",
                "lambda:InvokeFunctionUrl",
                Condition={"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}},
            ),
        ],
        action="lambda:InvokeFunctionUrl",
        context={"lambda:FunctionUrlAuthType": ("NONE",)},
    ),
    # --- policy language version and variables ----------------------------------------------
    Case(
        "variables-resolve-in-2012-10-17",
        ALLOW,
        ("identity:Own",),
        identity=(
            [allow("Own", resource=f"arn:aws:lambda:*:{ACCOUNT}:function:${{aws:username}}")],
        ),
        context={"aws:username": ("orders",)},
    ),
    Case(
        "variables-are-literal-in-2008-10-17",
        IMPLICIT,
        missing=ID,
        identity=(
            [allow("Own", resource=f"arn:aws:lambda:*:{ACCOUNT}:function:${{aws:username}}")],
        ),
        context={"aws:username": ("orders",)},
        version="2008-10-17",
    ),
    Case(
        "missing-version-means-2008-10-17",
        IMPLICIT,
        missing=ID,
        identity=(
            [allow("Own", resource=f"arn:aws:lambda:*:{ACCOUNT}:function:${{aws:username}}")],
        ),
        context={"aws:username": ("orders",)},
        version=None,
    ),
    Case(
        "unresolved-variable-voids-an-allow",
        IMPLICIT,
        missing=ID,
        identity=(
            [allow("Own", resource=f"arn:aws:lambda:*:{ACCOUNT}:function:${{aws:username}}")],
        ),
    ),
    Case(
        "unresolved-variable-voids-a-deny",
        ALLOW,
        ("identity:A",),
        identity=(
            [
                allow("A"),
                deny("D", resource="arn:aws:lambda:*:*:function:${aws:PrincipalTag/team}*"),
            ],
        ),
    ),
    Case(
        "unresolved-variable-voids-statement-even-if-another-resource-matches",
        IMPLICIT,
        missing=ID,
        identity=([allow("Own", resource=[FUNCTION, "arn:aws:s3:::home/${aws:username}/*"])],),
    ),
    Case(
        "variable-default-value-is-used",
        ALLOW,
        ("identity:Own",),
        identity=(
            [
                allow(
                    "Own",
                    resource=f"{FN_PREFIX}${{aws:PrincipalTag/app, 'orders'}}",
                )
            ],
        ),
    ),
    Case(
        "multi-valued-key-is-not-a-variable",
        IMPLICIT,
        missing=ID,
        identity=(
            [allow("Own", resource=f"arn:aws:lambda:*:{ACCOUNT}:function:${{aws:username}}")],
        ),
        context={"aws:username": ("orders", "other")},
    ),
    Case(
        "substituted-star-is-literal",
        IMPLICIT,
        missing=ID,
        identity=(
            [allow("Own", resource=f"arn:aws:lambda:*:{ACCOUNT}:function:${{aws:username}}")],
        ),
        context={"aws:username": ("*",)},
    ),
    Case(
        "variable-keys-are-case-insensitive",
        ALLOW,
        ("identity:Own",),
        identity=(
            [allow("Own", resource=f"arn:aws:lambda:*:{ACCOUNT}:function:${{AWS:UserName}}")],
        ),
        context={"aws:username": ("orders",)},
    ),
    Case(
        "variables-are-not-substituted-in-actions",
        IMPLICIT,
        missing=ID,
        identity=([allow("Own", "lambda:${Operation}")],),
        context={"Operation": ("InvokeFunction",)},
    ),
    Case(
        "account-variable-in-account-segment",
        ALLOW,
        ("identity:Own",),
        identity=([allow("Own", resource="arn:aws:lambda:*:${aws:PrincipalAccount}:function:*")],),
        context={"aws:PrincipalAccount": (ACCOUNT,)},
    ),
    # --- key policies and trust policies (the resource policy is required) ------------------
    Case(
        "key-policy-enabling-account-plus-iam-policy",
        ALLOW,
        ("identity:UseKey", "resource:EnableIAM"),
        identity=([allow("UseKey", "kms:Decrypt", KEY)],),
        resource=[grant("EnableIAM", {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "kms:*", "*")],
        resource_required=True,
        action="kms:Decrypt",
        target=KEY,
    ),
    Case(
        "key-policy-enabling-account-without-iam-policy",
        IMPLICIT,
        missing=ID,
        resource=[grant("EnableIAM", {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "kms:*", "*")],
        resource_required=True,
        action="kms:Decrypt",
        target=KEY,
    ),
    Case(
        "iam-policy-alone-cannot-use-a-key",
        IMPLICIT,
        missing=RES,
        identity=([allow("UseKey", "kms:*", "*")],),
        resource=[grant("Bob", {"AWS": BOB_ARN}, "kms:*", "*")],
        resource_required=True,
        action="kms:Decrypt",
        target=KEY,
    ),
    Case(
        "key-policy-naming-the-user",
        ALLOW,
        ("resource:Alice",),
        resource=[
            grant("Alice", {"AWS": f"arn:aws:iam::{ACCOUNT}:user/alice"}, "kms:Decrypt", "*")
        ],
        resource_required=True,
        action="kms:Decrypt",
        target=KEY,
    ),
    Case(
        "trust-policy-naming-the-user",
        ALLOW,
        ("resource:Trust",),
        resource=[
            {
                "Sid": "Trust",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/alice"},
                "Action": "sts:AssumeRole",
            }
        ],
        resource_kind=PolicyKind.TRUST,
        action="sts:AssumeRole",
        target=f"arn:aws:iam::{ACCOUNT}:role/deployer",
    ),
    Case(
        "trust-policy-naming-account-needs-identity-allow",
        IMPLICIT,
        missing=ID,
        resource=[
            {
                "Sid": "Trust",
                "Effect": "Allow",
                "Principal": {"AWS": ACCOUNT},
                "Action": "sts:AssumeRole",
            }
        ],
        resource_kind=PolicyKind.TRUST,
        action="sts:AssumeRole",
        target=f"arn:aws:iam::{ACCOUNT}:role/deployer",
    ),
    Case(
        "trust-policy-naming-account-with-identity-allow",
        ALLOW,
        ("identity:Assume", "resource:Trust"),
        identity=([allow("Assume", "sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/*")],),
        resource=[
            {
                "Sid": "Trust",
                "Effect": "Allow",
                "Principal": {"AWS": ACCOUNT},
                "Action": "sts:AssumeRole",
            }
        ],
        resource_kind=PolicyKind.TRUST,
        action="sts:AssumeRole",
        target=f"arn:aws:iam::{ACCOUNT}:role/deployer",
    ),
    Case(
        "identity-allow-alone-cannot-assume-a-role",
        IMPLICIT,
        missing=RES,
        identity=([allow("Assume", "sts:AssumeRole")],),
        resource=[
            {
                "Sid": "Trust",
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
        resource_kind=PolicyKind.TRUST,
        action="sts:AssumeRole",
        target=f"arn:aws:iam::{ACCOUNT}:role/deployer",
    ),
    Case(
        "trust-policy-lets-lambda-assume-execution-role",
        ALLOW,
        ("resource:Lambda",),
        principal=LAMBDA_SERVICE,
        resource=[
            {
                "Sid": "Lambda",
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
        resource_kind=PolicyKind.TRUST,
        action="sts:AssumeRole",
        target=f"arn:aws:iam::{ACCOUNT}:role/deployer",
    ),
]


@pytest.mark.parametrize("case", CORE_CASES, ids=lambda case: case.id)
def test_core_evaluation(case: Case) -> None:
    decision = evaluate(case.request(), case.policy_set())
    assert outcome(decision) == (case.expect, case.reasons, case.missing)
    assert decision.allowed is (case.expect is ALLOW)


def test_table_has_at_least_150_uniquely_named_cases() -> None:
    from .test_evaluate_conditions import CONDITION_CASES, MORE_CONDITION_CASES
    from .test_evaluate_principals import PRINCIPAL_CASES

    ids = [
        case.id for case in (*CORE_CASES, *PRINCIPAL_CASES, *CONDITION_CASES, *MORE_CONDITION_CASES)
    ]
    assert len(ids) >= 150
    assert len(ids) == len(set(ids))
