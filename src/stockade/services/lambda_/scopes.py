"""Where Lambda's resources keep their policies: the scopes the kernel's authorization reads.

A function has one policy per qualifier (the function itself and `$LATEST` share one; each
version and alias has its own) and a layer version has its own. The policy takes part in every
decision on the resource: it may let another account in, and within the account a grant naming
the caller is enough (so `policy_required` stays False). A resource with no policy is located
all the same; whether it exists is the handler's to say, after authorization, as Lambda does.

Invoke's scope takes the policy from the memoised read of everything an Invoke needs
(`invoke_target`), the entry the handler then uses: a warm Invoke reads the store at most once.
"""

from __future__ import annotations

from stockade.policy import LambdaKey
from stockade.services.context import RequestContext
from stockade.services.declaration import Located
from stockade.services.lambda_ import names
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.invoke_target import invoke_target
from stockade.services.lambda_.resource_policy import (
    GoverningPolicy,
    function_policy,
    layer_version_policy,
)


def located(arn: str, found: GoverningPolicy | None) -> Located:
    if found is None:
        return Located(arn)
    return Located(arn, found.attached, public=found.public)


class FunctionPolicies:
    """Functions, versions and aliases, named by their ARN."""

    def __init__(self, deps: LambdaDeps) -> None:
        self._store = deps.store
        self._region = deps.region

    def locate(self, ctx: RequestContext, reference: str) -> Located:
        with self._store.read() as tx:
            return located(reference, function_policy(tx, self._region, reference))


class LayerVersionPolicies:
    """Layer versions (and layers, which have no policy of their own), named by their ARN."""

    def __init__(self, deps: LambdaDeps) -> None:
        self._store = deps.store
        self._region = deps.region

    def locate(self, ctx: RequestContext, reference: str) -> Located:
        with self._store.read() as tx:
            return located(reference, layer_version_policy(tx, self._region, reference))


class InvokedFunctionPolicies:
    """The function, version or alias an Invoke names, read through Invoke's memo."""

    def __init__(self, deps: LambdaDeps) -> None:
        self._deps = deps

    def locate(self, ctx: RequestContext, reference: str) -> Located:
        # The reference is the target's ARN; resolving it again is a cache hit.
        target = names.resolve(self._deps, ctx, reference)
        return located(target.arn, invoke_target(self._deps, target).resource_policy)


class EventSourceMappingPolicies:
    """Event source mappings, named by their ARN: no policy of their own, but each brings the
    function it invokes as `lambda:FunctionArn` (the condition key AWS documents for them)."""

    def __init__(self, deps: LambdaDeps) -> None:
        self._store = deps.store

    def locate(self, ctx: RequestContext, reference: str) -> Located:
        with self._store.read() as tx:
            found = tx.event_source_mappings.get(reference.rsplit(":", 1)[-1])
        if found is None or found.account_id != ctx.principal.account_id:
            return Located(reference)  # the handler answers it is missing, after access
        return Located(reference, context={LambdaKey.FUNCTION_ARN.value: (found.function_arn,)})
