"""Resource-based policies: AddPermission / RemovePermission / GetPolicy for functions and their
versions and aliases, and the same for layer versions.

Each change is one write transaction: the resource must exist, `RevisionId` (if given) must
match, a statement id is unique within its policy, and the whole policy stays within 20 KB.
GetPolicy also says whether the policy makes the function public (`StockadePublicAccess` in the
body, `x-stockade-public-access` as a header; SDKs ignore both).
"""

from __future__ import annotations

import uuid

from typing_extensions import ReadOnly

from stockade import policy
from stockade.domain.arn import LATEST, layer_arn
from stockade.domain.public_access import is_public
from stockade.domain.resource_policy import (
    POLICY_BYTES_MAX,
    POLICY_ID,
    POLICY_VERSION,
    FunctionGrant,
    InvalidPermissionError,
    PolicyStatement,
    ResourcePolicy,
    function_statement,
    layer_statement,
)
from stockade.services.context import RequestContext
from stockade.services.lambda_ import names
from stockade.services.lambda_.configuration_items import record_change
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.errors import (
    InvalidParameterValueError,
    PolicyLengthExceededError,
    PreconditionFailedError,
    ResourceConflictError,
    ResourceNotFoundError,
)
from stockade.services.lambda_.layers import layer_ref
from stockade.services.lambda_.resource_policy import qualifier_key
from stockade.shapes import lambda_ as shapes
from stockade.store.ports import Transaction
from stockade.types import AccountId

NO_POLICY = "No policy is associated with the given resource."


class GetPolicyResult(shapes.GetPolicyResponse, total=False):
    StockadePublicAccess: ReadOnly[bool]  # not in Lambda's model: Stockade's own metadata


def _checked(statement: PolicyStatement) -> PolicyStatement:
    """Refuse a statement the policy language would not accept (e.g. a malformed ARN)."""
    text = f'{{"Version":"{POLICY_VERSION}","Id":"{POLICY_ID}","Statement":[{statement.text}]}}'
    try:
        policy.parse_policy(text, policy.PolicyKind.RESOURCE)
    except policy.MalformedPolicyDocumentError as exc:
        raise InvalidParameterValueError(f"The policy is not valid: {exc}") from exc
    return statement


def _added(
    existing: ResourcePolicy | None, statement: PolicyStatement, revision_id: str | None,
    current_revision: str | None,
) -> ResourcePolicy:  # fmt: skip
    expected = existing.revision_id if existing is not None else current_revision
    if revision_id is not None and revision_id != expected:
        raise PreconditionFailedError("GetPolicy")
    if existing is not None and existing.find(statement.sid) is not None:
        raise ResourceConflictError(
            f"The statement id ({statement.sid}) provided already exists. Please provide a new"
            " statement id, or remove the existing statement."
        )
    updated = (existing or ResourcePolicy("")).adding(statement, str(uuid.uuid4()))
    size = len(updated.document().encode())
    if size > POLICY_BYTES_MAX:
        raise PolicyLengthExceededError(
            f"The final policy size ({size}) is bigger than the limit ({POLICY_BYTES_MAX})."
        )
    return updated


def _removed(
    existing: ResourcePolicy | None, sid: str, revision_id: str | None
) -> ResourcePolicy | None:
    """The policy without `sid`, or None when nothing is left."""
    if existing is None or existing.find(sid) is None:
        raise ResourceNotFoundError(f"Statement {sid} is not found in resource policy.")
    if revision_id is not None and revision_id != existing.revision_id:
        raise PreconditionFailedError("GetPolicy")
    updated = existing.removing(sid, str(uuid.uuid4()))
    return updated if updated.statements else None


class Permissions:
    def __init__(self, deps: LambdaDeps) -> None:
        self._deps = deps

    # -- functions, versions and aliases -------------------------------------------------------

    def add_permission(
        self, ctx: RequestContext, request: shapes.AddPermissionRequest
    ) -> shapes.AddPermissionResponse:
        deps = self._deps
        target = names.resolve(deps, ctx, request["FunctionName"], request.get("Qualifier"))
        if target.qualifier == LATEST:
            raise InvalidParameterValueError("We currently do not support adding policies for"
                                             " $LATEST.")  # fmt: skip
        grant = FunctionGrant(
            sid=request["StatementId"],
            action=request["Action"],
            principal=request["Principal"],
            resource=target.arn,
            source_arn=request.get("SourceArn"),
            source_account=request.get("SourceAccount"),
            principal_org_id=request.get("PrincipalOrgID"),
            function_url_auth_type=request.get("FunctionUrlAuthType"),
            event_source_token=request.get("EventSourceToken"),
            invoked_via_function_url=bool(request.get("InvokedViaFunctionUrl")),
        )
        try:
            statement = _checked(function_statement(grant))
        except InvalidPermissionError as exc:
            raise InvalidParameterValueError(str(exc)) from exc
        key = qualifier_key(target.qualifier)
        with deps.store.write() as tx:
            current = target_revision(tx, target)
            existing = tx.resource_policies.get_function_policy(target.account_id, target.name, key)
            updated = _added(existing, statement, request.get("RevisionId"), current)
            tx.resource_policies.put_function_policy(target.account_id, target.name, key, updated)
            record_change(deps, ctx, tx, target.account_id, target.name)
        return {"Statement": statement.text}

    def remove_permission(
        self, ctx: RequestContext, request: shapes.RemovePermissionRequest
    ) -> None:
        deps = self._deps
        target = names.resolve(deps, ctx, request["FunctionName"], request.get("Qualifier"))
        key = qualifier_key(target.qualifier)
        with deps.store.write() as tx:
            target_revision(tx, target)
            existing = tx.resource_policies.get_function_policy(target.account_id, target.name, key)
            updated = _removed(existing, request["StatementId"], request.get("RevisionId"))
            if updated is None:
                tx.resource_policies.delete_function_policy(target.account_id, target.name, key)
            else:
                tx.resource_policies.put_function_policy(
                    target.account_id, target.name, key, updated
                )
            record_change(deps, ctx, tx, target.account_id, target.name)

    def get_policy(self, ctx: RequestContext, request: shapes.GetPolicyRequest) -> GetPolicyResult:
        deps = self._deps
        target = names.resolve(deps, ctx, request["FunctionName"], request.get("Qualifier"))
        with deps.store.read() as tx:
            target_revision(tx, target)
            found = tx.resource_policies.get_function_policy(
                target.account_id, target.name, qualifier_key(target.qualifier)
            )
        return _policy_result(found)

    # -- layer versions -------------------------------------------------------------------------

    def add_layer_version_permission(
        self, ctx: RequestContext, request: shapes.AddLayerVersionPermissionRequest
    ) -> shapes.AddLayerVersionPermissionResponse:
        deps = self._deps
        account, name, number, arn = self._layer_version(
            ctx, request["LayerName"], request["VersionNumber"]
        )
        statement = _checked(
            layer_statement(
                request["StatementId"],
                request["Action"],
                request["Principal"],
                arn,
                request.get("OrganizationId"),
            )
        )
        with deps.store.write() as tx:
            _layer_version_exists(tx, account, name, number, arn)
            existing = tx.resource_policies.get_layer_policy(account, name, number)
            updated = _added(existing, statement, request.get("RevisionId"), None)
            tx.resource_policies.put_layer_policy(account, name, number, updated)
        return {"Statement": statement.text, "RevisionId": updated.revision_id}

    def remove_layer_version_permission(
        self, ctx: RequestContext, request: shapes.RemoveLayerVersionPermissionRequest
    ) -> None:
        deps = self._deps
        account, name, number, arn = self._layer_version(
            ctx, request["LayerName"], request["VersionNumber"]
        )
        with deps.store.write() as tx:
            _layer_version_exists(tx, account, name, number, arn)
            existing = tx.resource_policies.get_layer_policy(account, name, number)
            updated = _removed(existing, request["StatementId"], request.get("RevisionId"))
            if updated is None:
                tx.resource_policies.delete_layer_policy(account, name, number)
            else:
                tx.resource_policies.put_layer_policy(account, name, number, updated)

    def get_layer_version_policy(
        self, ctx: RequestContext, request: shapes.GetLayerVersionPolicyRequest
    ) -> shapes.GetLayerVersionPolicyResponse:
        deps = self._deps
        account, name, number, arn = self._layer_version(
            ctx, request["LayerName"], request["VersionNumber"]
        )
        with deps.store.read() as tx:
            _layer_version_exists(tx, account, name, number, arn)
            found = tx.resource_policies.get_layer_policy(account, name, number)
        if found is None or not found.statements:
            raise ResourceNotFoundError(NO_POLICY)
        return {"Policy": found.document(), "RevisionId": found.revision_id}

    def _layer_version(
        self, ctx: RequestContext, layer_name: str, version_number: int
    ) -> tuple[AccountId, str, int, str]:
        return layer_version(self._deps, ctx, layer_name, version_number)


def layer_version(
    deps: LambdaDeps, ctx: RequestContext, layer_name: str, version_number: int
) -> tuple[AccountId, str, int, str]:
    """The account, name, number and ARN of the layer version a request names."""
    ref = layer_ref(deps, ctx, layer_name)
    number = int(version_number)
    arn = layer_arn(deps.region, ref.account_id, ref.name, number)
    return ref.account_id, ref.name, number, arn


def target_revision(tx: Transaction, target: names.Target) -> str:
    """The revision of the function, version or alias (which must exist)."""
    version, alias = names.load_version(tx, target)
    return alias.revision_id if alias is not None else version.revision_id


def _layer_version_exists(
    tx: Transaction, account: AccountId, name: str, number: int, arn: str
) -> None:
    if tx.layers.get_version(account, name, number) is None:
        raise ResourceNotFoundError(f"Layer version {arn} does not exist.")


def _policy_result(found: ResourcePolicy | None) -> GetPolicyResult:
    if found is None or not found.statements:
        raise ResourceNotFoundError(NO_POLICY)
    document = found.document()
    return {
        "Policy": document,
        "RevisionId": found.revision_id,
        "StockadePublicAccess": is_public(document),
    }
