"""PutResourcePolicy, GetResourcePolicy and DeleteResourcePolicy: a function's, version's or
alias's resource policy as one document.

It is the same stored policy AddPermission, RemovePermission and GetPolicy work on: statements
added one way are seen the other, and both share its RevisionId. Put replaces the whole policy
("If you previously added permissions using the AddPermission operation, the new policy
overwrites those permissions", PutResourcePolicy); the document is checked as Lambda writes
policies (`domain.policy_documents`), parsed by the policy engine, and kept within Lambda's
20 KB. `RevisionId` must match the policy's (or, with no policy yet, the function's or alias's,
as AddPermission's does): PreconditionFailedException otherwise. The ARN must be a complete
function ARN, qualified or not; `$LATEST` names the unqualified function's policy, which Put
refuses as AddPermission does.
"""

from __future__ import annotations

import uuid

from stockade import policy
from stockade.domain.arn import LATEST
from stockade.domain.policy_documents import parse_document
from stockade.domain.resource_policy import POLICY_BYTES_MAX, InvalidPermissionError, ResourcePolicy
from stockade.services.context import RequestContext
from stockade.services.lambda_ import names
from stockade.services.lambda_.configuration_items import record_change
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.errors import (
    InvalidParameterValueError,
    PolicyLengthExceededError,
    PreconditionFailedError,
    ResourceNotFoundError,
)
from stockade.services.lambda_.permissions import NO_POLICY, target_revision
from stockade.services.lambda_.resource_policy import qualifier_key
from stockade.shapes import lambda_ as shapes


def policy_target(deps: LambdaDeps, ctx: RequestContext, resource_arn: str) -> names.Target:
    """The function, version or alias a complete function ARN names (a name or a partial ARN
    is not one: InvalidParameterValueException)."""
    if not resource_arn.startswith("arn:") or ":function:" not in resource_arn:
        raise InvalidParameterValueError(
            "ResourceArn must be the complete ARN of a function, version or alias."
        )
    return names.resolve(deps, ctx, resource_arn)


class PolicyDocuments:
    def __init__(self, deps: LambdaDeps) -> None:
        self._deps = deps

    def put_resource_policy(
        self, ctx: RequestContext, request: shapes.PutResourcePolicyRequest
    ) -> shapes.PutResourcePolicyResponse:
        deps = self._deps
        target = policy_target(deps, ctx, request["ResourceArn"])
        if target.qualifier == LATEST:
            raise InvalidParameterValueError(
                "We currently do not support adding policies for $LATEST."
            )
        text = request["Policy"]
        if len(text.encode()) > POLICY_BYTES_MAX:
            raise PolicyLengthExceededError(
                f"The final policy size ({len(text.encode())}) is bigger than the limit"
                f" ({POLICY_BYTES_MAX})."
            )
        try:
            document = parse_document(text, target.arn, target.unqualified_arn)
        except InvalidPermissionError as exc:
            raise InvalidParameterValueError(str(exc)) from exc
        stored = ResourcePolicy(str(uuid.uuid4()), document.statements, document.version,
                                document.policy_id)  # fmt: skip
        _engine_accepts(stored)
        size = len(stored.document().encode())
        if size > POLICY_BYTES_MAX:
            raise PolicyLengthExceededError(
                f"The final policy size ({size}) is bigger than the limit ({POLICY_BYTES_MAX})."
            )
        key = qualifier_key(target.qualifier)
        with deps.store.write() as tx:
            current = target_revision(tx, target)
            existing = tx.resource_policies.get_function_policy(target.account_id, target.name, key)
            expected = existing.revision_id if existing is not None else current
            given = request.get("RevisionId")
            if given is not None and given != expected:
                raise PreconditionFailedError("GetResourcePolicy")
            tx.resource_policies.put_function_policy(target.account_id, target.name, key, stored)
            record_change(deps, ctx, tx, target.account_id, target.name)
        return {"Policy": stored.document(), "RevisionId": stored.revision_id}

    def get_resource_policy(
        self, ctx: RequestContext, request: shapes.GetResourcePolicyRequest
    ) -> shapes.GetResourcePolicyResponse:
        deps = self._deps
        target = policy_target(deps, ctx, request["ResourceArn"])
        with deps.store.read() as tx:
            target_revision(tx, target)
            found = tx.resource_policies.get_function_policy(
                target.account_id, target.name, qualifier_key(target.qualifier)
            )
        if found is None or not found.statements:
            raise ResourceNotFoundError(NO_POLICY)
        return {"Policy": found.document(), "RevisionId": found.revision_id}

    def delete_resource_policy(
        self, ctx: RequestContext, request: shapes.DeleteResourcePolicyRequest
    ) -> None:
        deps = self._deps
        target = policy_target(deps, ctx, request["ResourceArn"])
        key = qualifier_key(target.qualifier)
        with deps.store.write() as tx:
            target_revision(tx, target)
            existing = tx.resource_policies.get_function_policy(target.account_id, target.name, key)
            if existing is None or not existing.statements:
                raise ResourceNotFoundError(NO_POLICY)
            given = request.get("RevisionId")
            if given is not None and given != existing.revision_id:
                raise PreconditionFailedError("GetResourcePolicy")
            tx.resource_policies.delete_function_policy(target.account_id, target.name, key)
            record_change(deps, ctx, tx, target.account_id, target.name)


def _engine_accepts(stored: ResourcePolicy) -> None:
    """The policy engine must read the document as Lambda will evaluate it."""
    try:
        policy.parse_policy(stored.document(), policy.PolicyKind.RESOURCE)
    except policy.MalformedPolicyDocumentError as exc:
        raise InvalidParameterValueError(f"The policy is not valid: {exc.message}") from exc
