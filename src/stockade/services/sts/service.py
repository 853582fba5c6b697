"""STS: who am I, and temporary credentials for a role whose trust policy lets the caller in.

AssumeRole is authorised like any request (`sts:AssumeRole` on the role ARN) with the role's
trust policy as the resource policy, so the trust policy must allow the caller, and within the
account the caller's identity policies may be needed too (when the trust policy names only the
account). `ExternalId` is offered to conditions as `sts:ExternalId`. The session policy, if any,
caps every request made with the session (the engine intersects it with the role's policies).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from stockade import policy
from stockade.clock import Clock
from stockade.domain.identity import PrincipalKind
from stockade.policy import AttachedPolicy, PolicyKind
from stockade.services.authz import Authorizer, denial_message
from stockade.services.context import RequestContext
from stockade.services.identity import issue_role_session
from stockade.services.sts.errors import (
    AccessDeniedError,
    MalformedPolicyDocumentError,
    PackedPolicyTooLargeError,
    ValidationError,
)
from stockade.store.ports import Store
from stockade.types import AccountId

Operation = Callable[[RequestContext, Any], Any]
MIN_DURATION_S = 900
DEFAULT_DURATION_S = 3600
CHAINED_MAX_S = 3600  # role chaining caps a session at one hour
SESSION_POLICY_MAX = 2048


def _role_name(arn: str) -> str | None:
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "iam" or not parts[5].startswith("role/"):
        return None
    return parts[5].rsplit("/", 1)[-1]


class StsService:
    def __init__(self, store: Store, clock: Clock, authorizer: Authorizer) -> None:
        self._store = store
        self._clock = clock
        self._authorizer = authorizer

    def operations(self) -> Mapping[str, Operation]:
        return {
            "GetCallerIdentity": self.get_caller_identity,
            "AssumeRole": self.assume_role,
        }

    def get_caller_identity(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        # AWS answers this for any valid credentials; no policy can deny it.
        principal = ctx.principal
        return {"UserId": principal.principal_id, "Account": principal.account_id,
                "Arn": principal.arn}  # fmt: skip

    def assume_role(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        role_arn, session_name = params["RoleArn"], params["RoleSessionName"]
        session_policy = params.get("Policy")
        if session_policy is not None:
            if len("".join(session_policy.split())) > SESSION_POLICY_MAX:
                raise PackedPolicyTooLargeError(
                    "Packed policy consumes more than 100 percent of the allotted space."
                )
            try:
                policy.parse_policy(session_policy, PolicyKind.IDENTITY)
            except policy.MalformedPolicyDocumentError as exc:
                raise MalformedPolicyDocumentError(exc.message) from exc
        name = _role_name(role_arn)
        account = role_arn.split(":", 5)[4] if name is not None else ""
        with self._store.read() as tx:
            role = None if name is None else tx.roles.get(AccountId(account), name)
        if role is None or role.arn != role_arn:
            why = "because no resource-based policy allows the sts:AssumeRole action"
            raise AccessDeniedError(denial_message(ctx, "sts:AssumeRole", role_arn, why))
        context: dict[str, tuple[str, ...]] = {}
        external_id = params.get("ExternalId")
        if external_id is not None:
            context["sts:ExternalId"] = (external_id,)
        context["sts:RoleSessionName"] = (session_name,)
        trust = AttachedPolicy(role_arn, policy.parse_policy(role.trust_policy, PolicyKind.TRUST))
        self._authorizer.authorize(
            ctx, "sts:AssumeRole", role_arn, AccessDeniedError,
            resource_policy=trust, context=context,
        )  # fmt: skip
        duration = params.get("DurationSeconds") or DEFAULT_DURATION_S
        longest = role.max_session_duration
        if ctx.principal.kind is PrincipalKind.ASSUMED_ROLE:
            longest = min(longest, CHAINED_MAX_S)
        if not MIN_DURATION_S <= duration <= longest:
            raise ValidationError(
                f"The requested DurationSeconds exceeds the {longest} seconds this session may"
                " last (MaxSessionDuration of the role, one hour for role chaining)."
            )
        issued = issue_role_session(
            self._store, self._clock, role, session_name, duration, session_policy
        )
        session = issued.session
        token = issued.session_token
        return {
            "Credentials": {
                "AccessKeyId": session.access_key_id,
                "SecretAccessKey": session.secret_access_key,
                "SessionToken": token,
                "Expiration": session.expires,
            },
            "AssumedRoleUser": {
                "AssumedRoleId": f"{role.role_id}:{session_name}",
                "Arn": session.arn,
            },
        }
