"""Error bodies of the rest-json protocol (Lambda, Signer), member for member as AWS sends them.

An error the service's model names carries exactly that shape's members: Lambda's
`ResourceNotFoundException` is `{"Type": "User", "Message": ...}`, its
`InvalidParameterValueException` `{"Type": "User", "message": ...}` (lower-case m: the model
spells it so, and AWS's recorded answers match), `TooManyRequestsException` adds `Reason`.
An error outside the model comes from AWS's request framework, which sends only a message:
`{"message": ...}` (ValidationException; an SDK that reads only `Message` shows it empty), save
Lambda's AccessDeniedException, `{"Message": ...}`. Sources: docs/conformance.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from botocore.model import ServiceModel, Shape

from stockade.errors import ApiError

# Errors outside a model whose message member AWS spells with a capital M.
_UNMODELLED_CAPITAL_MESSAGE = frozenset({"AccessDeniedException"})


def error_shape(model: ServiceModel | None, code: str) -> Shape | None:
    """The model's exception shape for `code`, if the model names one."""
    if model is None or code not in model.shape_names:
        return None
    shape = model.shape_for(code)
    return shape if shape.metadata.get("exception") else None


def error_document(model: ServiceModel | None, code: str, error: ApiError) -> dict[str, object]:
    shape = error_shape(model, code)
    if shape is None:
        member = "Message" if code in _UNMODELLED_CAPITAL_MESSAGE else "message"
        return {member: error.message}
    members: Mapping[str, Shape] = shape.members
    document: dict[str, object] = {}
    if "Type" in members and "Type" not in error.wire_omits():
        document["Type"] = "User" if error.sender_fault else "Service"
    for name in ("Message", "message"):
        if name in members:
            document[name] = error.message
            break
    else:  # a modelled error without a message member still tells the caller why
        document["message"] = error.message
    for name, value in error.wire_fields().items():
        if name in members and members[name].serialization.get("location") is None:
            document[name] = value
    return document
