"""Functions as Secrets Manager rotation functions: what secret rotation needs of Lambda.

Secrets Manager invokes a rotation function synchronously, one step per invocation, as the
service principal `secretsmanager.amazonaws.com`: the function's resource policy must allow
that principal lambda:InvokeFunction (Secrets Manager User Guide, "Rotation by Lambda
function"; the condition keys are the secret's ARN as aws:SourceArn and its account as
aws:SourceAccount, as AWS's templates scope the permission). The function runs under its own
execution role and calls Secrets Manager back through the API like any other caller.
"""

from __future__ import annotations

import json
import re

from stockade import policy
from stockade.errors import ApiError
from stockade.policy import AuthorizationRequest, PolicySet, RequestPrincipal
from stockade.services.lambda_ import names
from stockade.services.lambda_.invoke import Invoker
from stockade.services.lambda_.invoke_target import invoke_target
from stockade.services.lambda_.resource_policy import function_policy

SECRETS_PRINCIPAL = "secretsmanager.amazonaws.com"
_FUNCTION_ARN = re.compile(
    r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}"
    r"(:(\$LATEST|[0-9]{1,10}|[A-Za-z0-9_-]{1,128}))?"
)


class LambdaRotationFunctions:
    def __init__(self, invoker: Invoker) -> None:
        self._invoker = invoker

    def invocable(self, function_arn: str, secret_arn: str) -> bool:
        """The function exists (in this region and the secret's account) and its policy lets
        Secrets Manager invoke it for this secret."""
        deps = self._invoker.deps
        if _FUNCTION_ARN.fullmatch(function_arn) is None:
            return False
        account = secret_arn.split(":")[4]
        target = names.target_of_arn(function_arn, deps.region)
        if target.account_id != account or function_arn.split(":")[3] != deps.region:
            return False
        try:
            invoke_target(deps, target).resolved()
        except ApiError:
            return False
        with deps.store.read() as tx:
            found = function_policy(tx, deps.region, function_arn)
        request = AuthorizationRequest(
            RequestPrincipal.service(SECRETS_PRINCIPAL),
            "lambda:InvokeFunction",
            function_arn,
            account,
            {"aws:SourceArn": (secret_arn,), "aws:SourceAccount": (account,)},
        )
        resource = None if found is None else found.attached
        return policy.evaluate(request, PolicySet(resource=resource)).allowed

    async def invoke(self, function_arn: str, payload: bytes) -> str | None:
        """Run one step synchronously; None if it succeeded, else the function's error type
        (its message stays in the function's own logs: it may quote a value)."""
        invoker = self._invoker
        deps = invoker.deps
        target = names.target_of_arn(function_arn, deps.region)
        try:
            version, _, function = invoke_target(deps, target).resolved()
            reserved_total = invoker.gate.reserved_total(deps.store, target.account_id)
            result = await invoker.execute(target.arn, version, function, reserved_total, payload)
        except ApiError as error:
            return error.code
        if result.function_error is None:
            return None
        return result.error_type or _error_type(result.payload) or result.function_error


def _error_type(payload: bytes) -> str | None:
    try:
        found = json.loads(payload)
    except ValueError:
        return None
    kind = found.get("errorType") if isinstance(found, dict) else None
    return kind if isinstance(kind, str) else None
