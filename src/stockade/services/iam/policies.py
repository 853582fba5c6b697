"""Managed policies: customer-managed ones with versions, and the Stockade-managed ones."""

from __future__ import annotations

import dataclasses

from stockade.domain.iam import ManagedPolicy, PolicyVersion
from stockade.services.context import RequestContext
from stockade.services.iam import presenters
from stockade.services.iam.common import (
    IamDeps,
    ResolvedPolicy,
    check_document,
    check_path,
    entity_arn,
    page,
    quoted,
    refuse_tags,
    resolve_policy,
)
from stockade.services.iam.errors import (
    DeleteConflictError,
    EntityAlreadyExistsError,
    LimitExceededError,
    MalformedPolicyDocumentError,
    NoSuchEntityError,
    UnmodifiableEntityError,
)
from stockade.services.iam.managed import AWS_MANAGED
from stockade.services.identity import new_unique_id
from stockade.shapes import iam as shapes
from stockade.store.ports import Transaction

_VERSIONS_MAX = 5
_MANAGED_SIZE_MAX = 6144


def _customer(resolved: ResolvedPolicy) -> ManagedPolicy:
    if resolved.customer is None:
        raise UnmodifiableEntityError(f"Cannot modify AWS managed policy {resolved.arn}.")
    return resolved.customer


def _check_size(document: str) -> None:
    if len("".join(document.split())) > _MANAGED_SIZE_MAX:
        raise MalformedPolicyDocumentError(
            f"Cannot exceed quota for PolicySize: {_MANAGED_SIZE_MAX}"
        )


class Policies:
    def __init__(self, deps: IamDeps) -> None:
        self._deps = deps

    def _present(self, tx: Transaction, resolved: ResolvedPolicy) -> shapes.Policy:
        count = tx.policies.attachment_count(resolved.arn)
        if resolved.aws is not None:
            return presenters.aws_policy(resolved.aws, count)
        return presenters.customer_policy(_customer(resolved), count)

    def create_policy(
        self, ctx: RequestContext, request: shapes.CreatePolicyRequest
    ) -> shapes.CreatePolicyResponse:
        refuse_tags("CreatePolicy", request)
        name, path = request["PolicyName"], check_path(request.get("Path"))
        arn = entity_arn(ctx, "policy", name, path)
        document = check_document(request["PolicyDocument"])
        _check_size(document)
        now = self._deps.clock.now()
        with self._deps.store.write() as tx:
            if tx.policies.get_managed(arn) is not None:
                raise EntityAlreadyExistsError(
                    f"A policy called {name} already exists. Duplicate names are not allowed."
                )
            policy = ManagedPolicy(
                ctx.principal.account_id,
                name,
                new_unique_id("ANPA"),
                now,
                now,
                path=path,
                description=request.get("Description"),
            )
            tx.policies.put_managed(policy)
            tx.policies.put_version(PolicyVersion(arn, "v1", document, now))
        return {"Policy": presenters.customer_policy(policy, 0)}

    def get_policy(
        self, ctx: RequestContext, request: shapes.GetPolicyRequest
    ) -> shapes.GetPolicyResponse:
        arn = request["PolicyArn"]
        with self._deps.store.read() as tx:
            return {"Policy": self._present(tx, resolve_policy(tx, ctx, arn))}

    def list_policies(
        self, ctx: RequestContext, request: shapes.ListPoliciesRequest
    ) -> shapes.ListPoliciesResponse:
        scope = request.get("Scope") or "All"
        prefix = request.get("PathPrefix") or "/"
        only_attached = bool(request.get("OnlyAttached"))
        shown: list[shapes.Policy] = []
        with self._deps.store.read() as tx:
            if scope in ("All", "AWS"):
                for aws in AWS_MANAGED.values():
                    shown.append(presenters.aws_policy(aws, tx.policies.attachment_count(aws.arn)))
            if scope in ("All", "Local"):
                for policy in tx.policies.list_managed(ctx.principal.account_id):
                    count = tx.policies.attachment_count(policy.arn)
                    shown.append(presenters.customer_policy(policy, count))
        shown = [
            p
            for p in shown
            if p.get("Path", "/").startswith(prefix)
            and (p.get("AttachmentCount") or not only_attached)
        ]
        items, paging = page(shown, request)
        return {"Policies": items, **paging}

    def delete_policy(self, ctx: RequestContext, request: shapes.DeletePolicyRequest) -> None:
        arn = request["PolicyArn"]
        with self._deps.store.write() as tx:
            _customer(resolve_policy(tx, ctx, arn))
            if tx.policies.attachment_count(arn):
                raise DeleteConflictError("Cannot delete a policy attached to entities.")
            tx.policies.delete_managed(arn)

    # Versions

    def get_policy_version(
        self, ctx: RequestContext, request: shapes.GetPolicyVersionRequest
    ) -> shapes.GetPolicyVersionResponse:
        arn, version_id = request["PolicyArn"], request["VersionId"]
        with self._deps.store.read() as tx:
            resolved = resolve_policy(tx, ctx, arn)
            aws = resolved.aws
            if aws is not None:
                if version_id != aws.default_version:
                    raise _no_version(arn, version_id)
                return {
                    "PolicyVersion": {
                        "Document": quoted(aws.document),
                        "VersionId": aws.default_version,
                        "IsDefaultVersion": True,
                        "CreateDate": aws.updated,  # the default version is the latest
                    }
                }
            policy = _customer(resolved)
            version = tx.policies.get_version(arn, version_id)
        if version is None:
            raise _no_version(arn, version_id)
        return {"PolicyVersion": presenters.version(version, policy.default_version)}

    def list_policy_versions(
        self, ctx: RequestContext, request: shapes.ListPolicyVersionsRequest
    ) -> shapes.ListPolicyVersionsResponse:
        arn = request["PolicyArn"]
        shown: list[shapes.PolicyVersion]
        with self._deps.store.read() as tx:
            resolved = resolve_policy(tx, ctx, arn)
            aws = resolved.aws
            if aws is not None:
                shown = [{"VersionId": aws.default_version, "IsDefaultVersion": True,
                          "CreateDate": aws.updated}]  # fmt: skip
            else:
                policy = _customer(resolved)
                shown = [
                    presenters.version_entry(v, policy.default_version)
                    for v in tx.policies.list_versions(arn)
                ]
        items, paging = page(shown, request)
        return {"Versions": items, **paging}

    def create_policy_version(
        self, ctx: RequestContext, request: shapes.CreatePolicyVersionRequest
    ) -> shapes.CreatePolicyVersionResponse:
        arn = request["PolicyArn"]
        document = check_document(request["PolicyDocument"])
        _check_size(document)
        now = self._deps.clock.now()
        with self._deps.store.write() as tx:
            policy = _customer(resolve_policy(tx, ctx, arn))
            if len(tx.policies.list_versions(arn)) >= _VERSIONS_MAX:
                raise LimitExceededError(
                    f"A managed policy can have up to {_VERSIONS_MAX} versions. Before you"
                    " create a new version, you must delete an existing version."
                )
            version = PolicyVersion(arn, f"v{policy.next_version}", document, now)
            tx.policies.put_version(version)
            default = version.version_id if request.get("SetAsDefault") else policy.default_version
            tx.policies.put_managed(
                dataclasses.replace(
                    policy,
                    next_version=policy.next_version + 1,
                    default_version=default,
                    updated=now,
                )
            )
        return {"PolicyVersion": presenters.version(version, default)}

    def delete_policy_version(
        self, ctx: RequestContext, request: shapes.DeletePolicyVersionRequest
    ) -> None:
        arn, version_id = request["PolicyArn"], request["VersionId"]
        with self._deps.store.write() as tx:
            policy = _customer(resolve_policy(tx, ctx, arn))
            if tx.policies.get_version(arn, version_id) is None:
                raise _no_version(arn, version_id)
            if version_id == policy.default_version:
                raise DeleteConflictError("Cannot delete the default version of a policy.")
            tx.policies.delete_version(arn, version_id)

    def set_default_policy_version(
        self, ctx: RequestContext, request: shapes.SetDefaultPolicyVersionRequest
    ) -> None:
        arn, version_id = request["PolicyArn"], request["VersionId"]
        with self._deps.store.write() as tx:
            policy = _customer(resolve_policy(tx, ctx, arn))
            if tx.policies.get_version(arn, version_id) is None:
                raise _no_version(arn, version_id)
            tx.policies.put_managed(
                dataclasses.replace(
                    policy, default_version=version_id, updated=self._deps.clock.now()
                )
            )


def _no_version(arn: str, version_id: str) -> NoSuchEntityError:
    return NoSuchEntityError(f"Policy {arn} version {version_id} does not exist.")
