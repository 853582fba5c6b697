"""Cost of authorising one realistic Lambda request, next to baselines measured in the same run.

The caller is an IAM user with three identity policies (a developer policy, a read-only policy
and an ABAC policy with variables and conditions, 11 statements in all), a permissions boundary
and a function policy of four statements; the context holds the global keys of a signed request.
Three requests are timed: one allowed, one explicitly denied, one implicitly denied.

Each sample times a batch of calls sized to last at least 20 us (one call per batch for the
evaluations), so timer overhead does not swamp the baselines. Figures are per call, in
microseconds; compare the ratios across machines, not the absolute times. Target: the allowed
request at or under 100 us p50.

    .venv/bin/python bench/bench_policy.py
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime

from stockade.policy import (
    AttachedPolicy,
    AuthorizationRequest,
    LambdaKey,
    PolicyKind,
    PolicySet,
    RequestPrincipal,
    evaluate,
    global_context,
    parse_policy,
)

ACCOUNT = "111122223333"
REGION = "us-east-1"
FUNCTION = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders-api"
USER = f"arn:aws:iam::{ACCOUNT}:user/eng/alice"
SAMPLES = 2_000
MIN_BATCH_NS = 20_000
TARGET_P50_US = 100.0


def _policy(name: str, kind: PolicyKind, *statements: dict[str, object]) -> AttachedPolicy:
    text = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    return AttachedPolicy(name, parse_policy(text, kind))


def _identity() -> tuple[AttachedPolicy, ...]:
    developer = _policy(
        "developer",
        PolicyKind.IDENTITY,
        {
            "Sid": "ManageOwnFunctions",
            "Effect": "Allow",
            "Action": ["lambda:CreateFunction", "lambda:Update*", "lambda:Get*", "lambda:List*"],
            "Resource": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:${{aws:PrincipalTag/team}}-*",
        },
        {
            "Sid": "PassExecutionRoles",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": f"arn:aws:iam::{ACCOUNT}:role/lambda-*",
            "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
        },
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:GetLogEvents"],
            "Resource": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/*",
        },
        {
            "Sid": "NoDeletes",
            "Effect": "Deny",
            "Action": ["lambda:DeleteFunction", "lambda:DeleteAlias"],
            "Resource": "*",
        },
    )
    read_only = _policy(
        "read-only",
        PolicyKind.IDENTITY,
        {"Sid": "Read", "Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"},
        {
            "Sid": "Tables",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:Query"],
            "Resource": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders*",
        },
        {
            "Sid": "Keys",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:ViaService": f"lambda.{REGION}.amazonaws.com"}},
        },
    )
    abac = _policy(
        "abac",
        PolicyKind.IDENTITY,
        {
            "Sid": "InvokeTeamFunctions",
            "Effect": "Allow",
            "Action": ["lambda:InvokeFunction", "lambda:InvokeFunctionUrl"],
            "Resource": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:*",
            "Condition": {
                "StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"},
                "IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]},
                "Bool": {"aws:SecureTransport": "true"},
            },
        },
        {
            "Sid": "BusinessHoursOnly",
            "Effect": "Deny",
            "Action": "lambda:*",
            "Resource": "*",
            "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
        },
        {
            "Sid": "NoUntaggedCreates",
            "Effect": "Deny",
            "Action": "lambda:CreateFunction",
            "Resource": "*",
            "Condition": {"Null": {"aws:RequestTag/team": "true"}},
        },
        {
            "Sid": "OwnCredentials",
            "Effect": "Allow",
            "Action": ["iam:*AccessKey*", "iam:GetUser"],
            "Resource": f"arn:aws:iam::{ACCOUNT}:user/eng/${{aws:username}}",
        },
    )
    return developer, read_only, abac


def _policies() -> PolicySet:
    boundary = _policy(
        "boundary",
        PolicyKind.IDENTITY,
        {
            "Sid": "Services",
            "Effect": "Allow",
            "Action": ["lambda:*", "logs:*", "s3:*", "dynamodb:*", "kms:Decrypt", "iam:PassRole"],
            "Resource": "*",
        },
        {
            "Sid": "NoBoundaryChanges",
            "Effect": "Deny",
            "Action": ["iam:DeleteUserPermissionsBoundary", "iam:PutUserPermissionsBoundary"],
            "Resource": "*",
        },
    )
    function_policy = _policy(
        "orders-api",
        PolicyKind.RESOURCE,
        {
            "Sid": "s3-invoke",
            "Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "lambda:InvokeFunction",
            "Resource": FUNCTION,
            "Condition": {
                "ArnLike": {"aws:SourceArn": "arn:aws:s3:::orders-*"},
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
            },
        },
        {
            "Sid": "partner-invoke",
            "Effect": "Allow",
            "Principal": {"AWS": "444455556666"},
            "Action": "lambda:InvokeFunction",
            "Resource": FUNCTION,
        },
        {
            "Sid": "no-public-url",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "lambda:InvokeFunctionUrl",
            "Resource": FUNCTION,
            "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}},
        },
        {
            "Sid": "tls-only",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "lambda:*",
            "Resource": FUNCTION,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    )
    return PolicySet(identity=_identity(), resource=function_policy, boundary=boundary)


def _request(principal: RequestPrincipal, action: str) -> AuthorizationRequest:
    context = global_context(
        principal,
        now=datetime(2026, 11, 22, 15, 25, 44, tzinfo=UTC),
        secure_transport=True,
        source_ip="10.20.30.40",
        unique_id="AIDAEXAMPLEALICE",
        principal_tags={"team": "orders"},
        resource_tags={"team": "orders"},
    )
    context[LambdaKey.FUNCTION_ARN] = (FUNCTION,)
    return AuthorizationRequest(principal, action, FUNCTION, ACCOUNT, context)


def _batch_size(call: Callable[[], object]) -> int:
    size = 1
    while True:
        started = time.perf_counter_ns()
        for _ in range(size):
            call()
        if time.perf_counter_ns() - started >= MIN_BATCH_NS:
            return size
        size *= 2


def _percentiles(call: Callable[[], object]) -> tuple[float, float]:
    """p50 and p99 of the per-call time in microseconds."""
    size = _batch_size(call)
    samples: list[float] = []
    gc.collect()
    for _ in range(SAMPLES):
        started = time.perf_counter_ns()
        for _ in range(size):
            call()
        samples.append((time.perf_counter_ns() - started) / size / 1000)
    samples.sort()
    return samples[len(samples) // 2], samples[(len(samples) * 99) // 100]


def _noop() -> None:
    return None


def main() -> None:
    policies = _policies()
    alice = RequestPrincipal.user(USER)
    allowed = _request(alice, "lambda:InvokeFunction")
    denied = _request(alice, "lambda:DeleteFunction")
    unlisted = _request(alice, "sqs:SendMessage")
    for request, kind in (
        (allowed, "allow"),
        (denied, "explicit-deny"),
        (unlisted, "implicit-deny"),
    ):
        decision = evaluate(request, policies)
        assert decision.kind.value == kind, decision

    table = {f"key-{i}": i for i in range(64)}
    rows = {
        "baseline: dict lookup": _percentiles(lambda: table.get("key-42")),
        "baseline: function call": _percentiles(_noop),
        "build request and context": _percentiles(lambda: _request(alice, "lambda:Invoke")),
        "evaluate: allow": _percentiles(lambda: evaluate(allowed, policies)),
        "evaluate: explicit deny": _percentiles(lambda: evaluate(denied, policies)),
        "evaluate: implicit deny": _percentiles(lambda: evaluate(unlisted, policies)),
    }
    base50, base99 = rows["baseline: function call"]
    print(f"{'case':<28} {'p50 us':>8} {'p99 us':>8} {'p50/call':>9} {'p99/call':>9}")
    for name, (p50, p99) in rows.items():
        print(f"{name:<28} {p50:>8.2f} {p99:>8.2f} {p50 / base50:>8.0f}x {p99 / base99:>8.0f}x")
    p50 = rows["evaluate: allow"][0]
    verdict = "met" if p50 <= TARGET_P50_US else "MISSED"
    print(f"target: allow p50 <= {TARGET_P50_US:.0f} us: {verdict} ({p50:.1f} us)")


if __name__ == "__main__":
    main()
