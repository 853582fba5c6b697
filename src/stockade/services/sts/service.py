"""STS: who am I, and temporary credentials for a role whose trust policy lets the caller in.

AssumeRole needs `sts:AssumeRole` on the role ARN with the role's trust policy as the resource
policy (`RoleTrust`), so the trust policy must allow the caller, and within the account the
caller's identity policies may be needed too (when the trust policy names only the account).
`ExternalId` and `RoleSessionName` are offered to conditions as `sts:ExternalId` and
`sts:RoleSessionName`. The session policy, if any, caps every request made with the session (the
engine intersects it with the role's policies). Members that would restrict or tag a session in
ways Stockade does not enforce are refused rather than ignored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from stockade import policy
from stockade.clock import Clock
from stockade.domain.identity import PrincipalKind
from stockade.policy import AttachedPolicy, PolicyKind
from stockade.services.context import RequestContext
from stockade.services.declaration import (
    READ,
    WRITE,
    Located,
    Need,
    Public,
    ServiceErrors,
    ServiceTable,
    operation,
)
from stockade.services.identity import issue_role_session
from stockade.services.sts.errors import (
    AccessDeniedError,
    InternalFailureError,
    MalformedPolicyDocumentError,
    PackedPolicyTooLargeError,
    ValidationError,
)
from stockade.shapes import sts as shapes
from stockade.store.ports import Store
from stockade.types import AccountId

ERRORS = ServiceErrors(AccessDeniedError, ValidationError, InternalFailureError)
# Members that would limit or tag a session: refused, since Stockade would not enforce them.
_UNSUPPORTED = (
    "PolicyArns", "Tags", "TransitiveTagKeys", "SerialNumber", "TokenCode", "SourceIdentity",
    "ProvidedContexts",
)  # fmt: skip
MIN_DURATION_S = 900
DEFAULT_DURATION_S = 3600
CHAINED_MAX_S = 3600  # role chaining caps a session at one hour
SESSION_POLICY_MAX = 2048


def _role_name(arn: str) -> str | None:
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "iam" or not parts[5].startswith("role/"):
        return None
    return parts[5].rsplit("/", 1)[-1]


class RoleTrust:
    """Where a role keeps its trust policy: the resource policy of sts:AssumeRole."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def locate(self, ctx: RequestContext, reference: str) -> Located:
        name = _role_name(reference)
        account = reference.split(":", 5)[4] if name is not None else ""
        with self._store.read() as tx:
            role = None if name is None else tx.roles.get(AccountId(account), name)
        if role is None or role.arn != reference:
            # No role, no trust policy: nothing can allow it (AWS does not say which).
            return Located(reference, policy_required=True)
        trust = policy.parse_policy(role.trust_policy, PolicyKind.TRUST)
        return Located(reference, AttachedPolicy(reference, trust), policy_required=True)


class StsService:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._trust = RoleTrust(store)

    def table(self) -> ServiceTable:
        return ServiceTable.of(
            "sts",
            [
                operation(
                    "GetCallerIdentity",
                    self.get_caller_identity,
                    Public("AWS answers it for any valid credentials; no policy can deny it"),
                    READ,
                ),
                operation("AssumeRole", self.assume_role, self._assume_role_needs, WRITE),
            ],
            ERRORS,
        )

    def _assume_role_needs(
        self, ctx: RequestContext, request: shapes.AssumeRoleRequest
    ) -> Sequence[Need]:
        context: dict[str, tuple[str, ...]] = {"sts:RoleSessionName": (request["RoleSessionName"],)}
        external_id = request.get("ExternalId")
        if external_id is not None:
            context["sts:ExternalId"] = (external_id,)
        return [Need("sts:AssumeRole", request["RoleArn"], self._trust, context)]

    def get_caller_identity(
        self, ctx: RequestContext, request: shapes.GetCallerIdentityRequest
    ) -> shapes.GetCallerIdentityResponse:
        principal = ctx.principal
        return {"UserId": principal.principal_id, "Account": principal.account_id,
                "Arn": principal.arn}  # fmt: skip

    def assume_role(
        self, ctx: RequestContext, request: shapes.AssumeRoleRequest
    ) -> shapes.AssumeRoleResponse:
        given: Mapping[str, object] = request
        for member in _UNSUPPORTED:
            if given.get(member) is not None:
                raise ValidationError(f"Stockade does not support {member} in AssumeRole.")
        role_arn, session_name = request["RoleArn"], request["RoleSessionName"]
        session_policy = request.get("Policy")
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
        with self._store.read() as tx:
            role = None if name is None else tx.roles.get(AccountId(role_arn.split(":")[4]), name)
        if role is None or role.arn != role_arn:  # deleted since it was authorized
            raise AccessDeniedError(
                f"User: {ctx.principal.arn} is not authorized to perform: sts:AssumeRole on"
                f" resource: {role_arn}"
            )
        duration = request.get("DurationSeconds") or DEFAULT_DURATION_S
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
        return {
            "Credentials": {
                "AccessKeyId": session.access_key_id,
                "SecretAccessKey": session.secret_access_key,
                "SessionToken": issued.session_token,
                "Expiration": session.expires,
            },
            "AssumedRoleUser": {
                "AssumedRoleId": f"{role.role_id}:{session_name}",
                "Arn": session.arn,
            },
        }
