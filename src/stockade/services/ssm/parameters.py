"""PutParameter, GetParameter, GetParameters, DeleteParameter, DeleteParameters.

A put encrypts a SecureString's value (as the caller, through Parameter Store) before its
write transaction, then writes only if the parameter is still as it was read (otherwise
TooManyUpdates, as AWS answers concurrent puts). At most 100 versions are kept: the oldest
goes, unless it carries a label (ParameterMaxVersionLimitExceeded).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from stockade.domain.parameters import (
    VERSIONS_MAX,
    Parameter,
    ParameterType,
    ParameterVersion,
    Tier,
)
from stockade.services.context import RequestContext
from stockade.services.ssm import configuration_items
from stockade.services.ssm.errors import (
    ParameterAlreadyExistsError,
    ParameterMaxVersionLimitError,
    ParameterNotFoundError,
    ParameterVersionNotFoundError,
    TooManyUpdatesError,
    ValidationError,
    no_version,
    not_found,
)
from stockade.services.ssm.names import Selector, checked_new_name, parameter_arn, selector
from stockade.services.ssm.put_request import PutRequest, check_pattern, chosen_tier
from stockade.services.ssm.render import Opener
from stockade.services.ssm.secure_values import SecureValues
from stockade.store.ports import Store
from stockade.types import AccountId

ALREADY_EXISTS = (
    "The parameter already exists. To overwrite this value, set the overwrite option in the"
    " request to true."
)


class Parameters:
    def __init__(self, store: Store, region: str, values: SecureValues) -> None:
        self._store = store
        self._region = region
        self._values = values
        self.opener = Opener(values, region)

    # -- writes ------------------------------------------------------------------------------
    def put_parameter(self, ctx: RequestContext, request: Mapping[str, Any]) -> dict[str, Any]:
        put = PutRequest.parse(request)
        name = checked_new_name(put.name)
        account = AccountId(ctx.principal.account_id)
        with self._store.read() as tx:
            existing = tx.parameters.get(account, name)
        previous = existing.current if existing is not None else None
        if previous is not None and not put.overwrite:
            raise ParameterAlreadyExistsError(ALREADY_EXISTS)
        version = self._new_version(ctx, put, name, previous)
        with self._store.write() as tx:
            now = tx.parameters.get(account, name)
            if (now.current.version if now else 0) != (previous.version if previous else 0):
                raise TooManyUpdatesError("There are concurrent updates for this parameter.")
            if now is None:
                stored = Parameter(account, name, (version,), dict(put.tags))
            else:
                stored = replace(now, versions=(*_kept(now), version))
            tx.parameters.put(stored)
            configuration_items.record(ctx, tx, self._region, name, stored)
        return {"Version": version.version, "Tier": version.tier.value}

    def _new_version(
        self,
        ctx: RequestContext,
        put: PutRequest,
        name: str,
        previous: ParameterVersion | None,
    ) -> ParameterVersion:
        kind = put.type or (previous.type if previous is not None else None)
        if kind is None:
            raise ValidationError("A parameter type is required when you create a parameter.")
        tier = chosen_tier(put, previous)
        pattern = put.allowed_pattern
        if pattern is None and previous is not None:
            pattern = previous.allowed_pattern
            if pattern is not None:
                check_pattern(pattern, put.value)
        description = put.description
        if description is None and previous is not None:
            description = previous.description
        value, key_id, key_arn = put.value, None, None
        if kind is ParameterType.SECURE_STRING:
            ref = put.key_id
            if ref is None and previous is not None and previous.type is kind:
                ref = previous.key_id if previous.key_id != "alias/aws/ssm" else None
            arn = parameter_arn(self._region, ctx.principal.account_id, name)
            sealed = self._values.seal(ctx, ref, arn, put.value, tier is Tier.ADVANCED)
            value, key_id, key_arn = sealed.ciphertext, sealed.key_id, sealed.key_arn
        return ParameterVersion(
            version=previous.version + 1 if previous is not None else 1,
            type=kind,
            value=value,
            modified=ctx.received_at,
            modified_user=ctx.principal.arn,
            tier=tier,
            data_type=put.data_type or (previous.data_type if previous else "text"),
            description=description,
            allowed_pattern=pattern,
            key_id=key_id,
            key_arn=key_arn,
        )

    def delete_parameter(self, ctx: RequestContext, request: Mapping[str, Any]) -> dict[str, Any]:
        given = str(request["Name"])
        account = AccountId(ctx.principal.account_id)
        name = _plain(given, account, ctx.region)
        with self._store.write() as tx:
            if not tx.parameters.delete(account, name):
                raise not_found(given)
            configuration_items.record(ctx, tx, self._region, name, None)
        return {}

    def delete_parameters(self, ctx: RequestContext, request: Mapping[str, Any]) -> dict[str, Any]:
        account = AccountId(ctx.principal.account_id)
        deleted: list[str] = []
        invalid: list[str] = []
        with self._store.write() as tx:
            for given in request["Names"]:
                try:
                    name = _plain(given, account, ctx.region)
                except ParameterNotFoundError:
                    invalid.append(given)
                    continue
                if tx.parameters.delete(account, name):
                    deleted.append(given)
                    configuration_items.record(ctx, tx, self._region, name, None)
                else:
                    invalid.append(given)
        return {"DeletedParameters": deleted, "InvalidParameters": invalid}

    # -- reads -------------------------------------------------------------------------------
    def get_parameter(self, ctx: RequestContext, request: Mapping[str, Any]) -> dict[str, Any]:
        chosen = selector(str(request["Name"]), ctx.principal.account_id, ctx.region)
        with self._store.read() as tx:
            parameter = tx.parameters.get(AccountId(ctx.principal.account_id), chosen.name)
        version = _selected(parameter, chosen)
        assert parameter is not None  # (_selected raised otherwise)
        decrypt = bool(request.get("WithDecryption", False))
        return {"Parameter": self.opener.parameter(ctx, parameter, version, decrypt,
                                                   _selector_of(chosen))}  # fmt: skip

    def get_parameters(self, ctx: RequestContext, request: Mapping[str, Any]) -> dict[str, Any]:
        account = AccountId(ctx.principal.account_id)
        decrypt = bool(request.get("WithDecryption", False))
        found: list[dict[str, Any]] = []
        invalid: list[str] = []
        seen: set[str] = set()
        for given in request["Names"]:
            if given in seen:
                continue
            seen.add(given)
            try:
                chosen = selector(given, account, ctx.region)
                with self._store.read() as tx:
                    parameter = tx.parameters.get(account, chosen.name)
                version = _selected(parameter, chosen)
            except (ParameterNotFoundError, ParameterVersionNotFoundError):
                invalid.append(given)
                continue
            assert parameter is not None
            found.append(self.opener.parameter(ctx, parameter, version, decrypt,
                                               _selector_of(chosen)))  # fmt: skip
        return {"Parameters": found, "InvalidParameters": invalid}


def _plain(given: str, account: str, region: str) -> str:
    """The parameter a delete names (by name or ARN; a selector names none)."""
    chosen = selector(given, account, region)
    if chosen.version is not None or chosen.label is not None:
        raise not_found(given)
    return chosen.name


def _selected(parameter: Parameter | None, chosen: Selector) -> ParameterVersion:
    if parameter is None:
        raise not_found(chosen.given)
    if chosen.version is not None:
        found = parameter.version(chosen.version)
        if found is None:
            raise no_version(chosen.version, chosen.name)
        return found
    if chosen.label is not None:
        found = parameter.labelled(chosen.label)
        if found is None:
            raise not_found(chosen.given)
        return found
    return parameter.current


def _selector_of(chosen: Selector) -> str | None:
    if chosen.version is not None:
        return f":{chosen.version}"
    if chosen.label is not None:
        return f":{chosen.label}"
    return None


def _kept(parameter: Parameter) -> tuple[ParameterVersion, ...]:
    """The versions kept when one more is added: the oldest goes at the limit, unless it is
    labelled."""
    if len(parameter.versions) < VERSIONS_MAX:
        return parameter.versions
    oldest = parameter.versions[0]
    if oldest.labels:
        raise ParameterMaxVersionLimitError(
            f"You attempted to create a new version of {parameter.name} by calling the"
            f" PutParameter API with the overwrite flag. Version {oldest.version}, the oldest"
            " version, can't be deleted because it has a label associated with it. Move the"
            " label to another version of the parameter, and try again."
        )
    return parameter.versions[1:]
