"""Parameter Store (the `ssm` API's parameter operations), as a declared table: needs ->
handler.

Each operation needs `ssm:<Action>` on the parameter's ARN, as the Service Authorization
Reference for Systems Manager lists them: every named parameter for GetParameters and
DeleteParameters, the path (as a parameter ARN) for GetParametersByPath, `*` for
DescribeParameters; PutParameter with Tags also needs ssm:AddTagsToResource, as AWS asks for
tagging on create. A selector (`name:3`, `name:label`) is not part of the resource. Using a
KMS key for a SecureString is decided separately, as the caller, through Parameter Store
(`secure_values`). Values are sensitive in the model: the audit trail never shows them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stockade.services.context import RequestContext
from stockade.services.declaration import (
    READ,
    WRITE,
    Need,
    Needs,
    Operation,
    ServiceErrors,
    ServiceTable,
    operation,
)
from stockade.services.ssm.errors import AccessDeniedError, InternalServerError, ValidationError
from stockade.services.ssm.history import History
from stockade.services.ssm.names import arn_named, path_arn
from stockade.services.ssm.parameters import Parameters
from stockade.services.ssm.queries import Queries
from stockade.services.ssm.secure_values import SecureValues
from stockade.services.ssm.tags import PARAMETER, ParameterTags
from stockade.store.ports import Store

ERRORS = ServiceErrors(AccessDeniedError, ValidationError, InternalServerError)


class SsmService:
    def __init__(self, store: Store, region: str, values: SecureValues) -> None:
        self._region = region
        self.parameters = Parameters(store, region, values)
        self.queries = Queries(store, region, self.parameters.opener)
        self.history = History(store, self.parameters.opener)
        self.tags = ParameterTags(store, region)

    def table(self) -> ServiceTable:
        p, q, h, one = self.parameters, self.queries, self.history, self._named
        return ServiceTable.of(
            "ssm",
            [
                operation("PutParameter", p.put_parameter, self._put, WRITE),
                operation("GetParameter", p.get_parameter, one("GetParameter"), READ),
                operation("GetParameters", p.get_parameters, self._each("GetParameters"), READ),
                operation("DeleteParameter", p.delete_parameter, one("DeleteParameter"), WRITE),
                operation("DeleteParameters", p.delete_parameters,
                          self._each("DeleteParameters"), WRITE),
                operation("GetParametersByPath", q.get_parameters_by_path, self._path, READ),
                operation("DescribeParameters", q.describe_parameters, self._describe, READ),
                operation("GetParameterHistory", h.get_parameter_history,
                          one("GetParameterHistory"), READ),
                operation("LabelParameterVersion", h.label_parameter_version,
                          one("LabelParameterVersion"), WRITE),
                operation("UnlabelParameterVersion", h.unlabel_parameter_version,
                          one("UnlabelParameterVersion"), WRITE),
                *self._tag_operations(),
            ],
            ERRORS,
        )  # fmt: skip

    def _tag_operations(self) -> list[Operation[Any]]:
        t, on = self.tags, self._tagged
        return [
            operation("AddTagsToResource", t.add_tags_to_resource, on("AddTagsToResource"),
                      WRITE),
            operation("RemoveTagsFromResource", t.remove_tags_from_resource,
                      on("RemoveTagsFromResource"), WRITE),
            operation("ListTagsForResource", t.list_tags_for_resource,
                      on("ListTagsForResource"), READ),
        ]  # fmt: skip

    # -- needs -------------------------------------------------------------------------------
    def _arn(self, ctx: RequestContext, reference: str) -> str:
        return arn_named(reference, ctx.principal.account_id, self._region)

    def _named(self, action: str) -> Needs[Any]:
        def needs(ctx: RequestContext, request: Any) -> Sequence[Need]:
            return [Need(f"ssm:{action}", self._arn(ctx, str(request["Name"])))]

        return needs

    def _each(self, action: str) -> Needs[Any]:
        def needs(ctx: RequestContext, request: Any) -> Sequence[Need]:
            arns = sorted({self._arn(ctx, str(name)) for name in request["Names"]})
            return [Need(f"ssm:{action}", arn) for arn in arns]

        return needs

    def _put(self, ctx: RequestContext, request: Any) -> Sequence[Need]:
        arn = self._arn(ctx, str(request["Name"]))
        needs = [Need("ssm:PutParameter", arn)]
        if request.get("Tags"):
            needs.append(Need("ssm:AddTagsToResource", arn))
        return needs

    def _path(self, ctx: RequestContext, request: Any) -> Sequence[Need]:
        arn = path_arn(self._region, ctx.principal.account_id, str(request["Path"]))
        return [Need("ssm:GetParametersByPath", arn)]

    def _describe(self, ctx: RequestContext, request: Any) -> Sequence[Need]:
        return [Need("ssm:DescribeParameters", "*")]

    def _tagged(self, action: str) -> Needs[Any]:
        def needs(ctx: RequestContext, request: Any) -> Sequence[Need]:
            kind, resource = str(request["ResourceType"]), str(request["ResourceId"])
            if kind == PARAMETER:
                return [Need(f"ssm:{action}", self._arn(ctx, resource))]
            account = ctx.principal.account_id
            arn = f"arn:aws:ssm:{self._region}:{account}:{kind.lower()}/{resource}"
            return [Need(f"ssm:{action}", arn)]

        return needs
