"""GetParameterHistory, LabelParameterVersion, UnlabelParameterVersion.

Label rules ("Working with parameter labels", Systems Manager user guide): at most 10 labels
per version; a label is on at most one version of a parameter (labelling another version
moves it); a label is 1-100 letters, digits, `.`, `-` or `_`, and cannot start with a digit,
`aws` or `ssm` (case-insensitive). Labels that break these rules are answered in
InvalidLabels and not attached; the valid ones in the same request are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from stockade.domain.parameters import LABELS_PER_VERSION_MAX, Parameter
from stockade.services.context import RequestContext
from stockade.services.ssm.errors import (
    ParameterVersionLabelLimitError,
    no_version,
    not_found,
)
from stockade.services.ssm.names import canonical, from_reference
from stockade.services.ssm.queries import page_token, token_after
from stockade.services.ssm.render import Opener
from stockade.store.ports import Store
from stockade.types import AccountId

HISTORY_DEFAULT = 50
_LABEL = re.compile(r"[a-zA-Z0-9_.\-]{1,100}")
# The message alone: "An error occurred (Code) when calling the Operation operation: " is the
# client's own prefix (botocore's ClientError.MSG_TEMPLATE), so a message carrying it would be
# printed twice over by the AWS CLI.
LABEL_LIMIT_MESSAGE = (
    "A parameter version can have maximum 10 labels.Move one or more labels to another version"
    " and try again."
)


def valid_label(label: str) -> bool:
    lowered = label.lower()
    return (
        _LABEL.fullmatch(label) is not None
        and not label[0].isdigit()
        and not lowered.startswith(("aws", "ssm"))
    )


class History:
    def __init__(self, store: Store, opener: Opener) -> None:
        self._store = store
        self._opener = opener

    def _load(self, ctx: RequestContext, given: str) -> Parameter:
        name = canonical(from_reference(given, ctx.principal.account_id, ctx.region))
        with self._store.read() as tx:
            found = tx.parameters.get(AccountId(ctx.principal.account_id), name)
        if found is None:
            raise not_found(given)
        return found

    def get_parameter_history(
        self, ctx: RequestContext, request: Mapping[str, Any]
    ) -> dict[str, Any]:
        parameter = self._load(ctx, str(request["Name"]))
        after = token_after(request.get("NextToken"), "history")
        start = int(after) if after else 0
        limit = int(request.get("MaxResults", HISTORY_DEFAULT))
        page = parameter.versions[start : start + limit]
        decrypt = bool(request.get("WithDecryption", False))
        out: dict[str, Any] = {
            "Parameters": [self._opener.history(ctx, parameter, v, decrypt) for v in page]
        }
        if start + limit < len(parameter.versions):
            out["NextToken"] = page_token(str(start + limit), "history")
        return out

    def label_parameter_version(
        self, ctx: RequestContext, request: Mapping[str, Any]
    ) -> dict[str, Any]:
        given = str(request["Name"])
        labels = [str(label) for label in request["Labels"]]
        valid = [label for label in labels if valid_label(label)]
        invalid = [label for label in labels if not valid_label(label)]
        name = canonical(from_reference(given, ctx.principal.account_id, ctx.region))
        with self._store.write() as tx:
            parameter = tx.parameters.get(AccountId(ctx.principal.account_id), name)
            if parameter is None:
                raise not_found(given)
            number = int(request.get("ParameterVersion") or parameter.current.version)
            target = parameter.version(number)
            if target is None:
                raise no_version(number, name)
            added = [label for label in dict.fromkeys(valid) if label not in target.labels]
            if len(target.labels) + len(added) > LABELS_PER_VERSION_MAX:
                raise ParameterVersionLabelLimitError(LABEL_LIMIT_MESSAGE)
            versions = tuple(
                replace(v, labels=(*v.labels, *added))
                if v.version == number
                else replace(v, labels=tuple(x for x in v.labels if x not in added))
                for v in parameter.versions
            )
            tx.parameters.put(replace(parameter, versions=versions))
        return {"InvalidLabels": invalid, "ParameterVersion": number}

    def unlabel_parameter_version(
        self, ctx: RequestContext, request: Mapping[str, Any]
    ) -> dict[str, Any]:
        given = str(request["Name"])
        labels = [str(label) for label in request["Labels"]]
        name = canonical(from_reference(given, ctx.principal.account_id, ctx.region))
        number = int(request["ParameterVersion"])
        with self._store.write() as tx:
            parameter = tx.parameters.get(AccountId(ctx.principal.account_id), name)
            if parameter is None:
                raise not_found(given)
            target = parameter.version(number)
            if target is None:
                raise no_version(number, name)
            removed = [label for label in dict.fromkeys(labels) if label in target.labels]
            invalid = [label for label in dict.fromkeys(labels) if label not in target.labels]
            if removed:
                kept = tuple(x for x in target.labels if x not in removed)
                tx.parameters.put(parameter.with_version(replace(target, labels=kept)))
        return {"RemovedLabels": removed, "InvalidLabels": invalid}
