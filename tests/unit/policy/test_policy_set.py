"""Policy sets: each policy must be of the kind its role in evaluation needs."""

from __future__ import annotations

import pytest

from stockade.policy import InvalidAuthorizationInputError, PolicyKind, PolicySet

from .cases import allow, attached, grant

IDENTITY = attached("identity", [allow("A")])
RESOURCE = attached("resource", [grant("G", "*")], PolicyKind.RESOURCE)
TRUST = attached(
    "trust",
    [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}],
    PolicyKind.TRUST,
)


@pytest.mark.parametrize(
    "policies",
    [
        {"identity": (RESOURCE,)},
        {"boundary": RESOURCE},
        {"session": (TRUST,)},
        {"guardrails": (RESOURCE,)},
    ],
    ids=["identity", "boundary", "session", "guardrail"],
)
def test_caller_side_policies_must_be_identity_policies(policies: dict[str, object]) -> None:
    with pytest.raises(InvalidAuthorizationInputError, match="IDENTITY"):
        PolicySet(**policies)  # type: ignore[arg-type]


def test_resource_policy_must_name_principals() -> None:
    with pytest.raises(InvalidAuthorizationInputError, match="name principals"):
        PolicySet(resource=IDENTITY)


def test_trust_policies_and_key_policies_are_required_within_the_account() -> None:
    assert PolicySet(resource=TRUST).resource_required
    assert PolicySet(resource=RESOURCE, resource_policy_required=True).resource_required
    assert not PolicySet(identity=(IDENTITY,), resource=RESOURCE).resource_required
