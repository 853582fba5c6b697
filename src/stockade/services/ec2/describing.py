"""What every Describe* of this slice does: the ids asked for (the first unknown one is the
resource's not-found error), then `Filters`, then one page of `MaxResults` after `NextToken`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from stockade.domain.network import Tags
from stockade.errors import ApiError
from stockade.services.ec2.common import Attributes, Request, matching, page
from stockade.services.ec2.errors import UnsupportedOperationError

T = TypeVar("T")


@dataclass(frozen=True)
class Listing(Generic[T]):
    """How one Describe* names its ids, filters and renders its resources."""

    ids_member: str  # `VpcIds`, `SubnetIds`, ...
    answer_member: str  # `Vpcs`, `Subnets`, ...
    id_of: Callable[[T], str]
    missing: Callable[[str], ApiError]
    attributes: Callable[[T], Attributes]
    tags: Callable[[T], Tags]
    render: Callable[[T], dict[str, Any]]

    def describe(self, found: Sequence[T], request: Request) -> dict[str, Any]:
        """`found` sorted by id."""
        wanted = request.get(self.ids_member) if self.ids_member else None
        if wanted:
            known = {self.id_of(item) for item in found}
            for resource_id in wanted:
                if resource_id not in known:
                    raise self.missing(str(resource_id))
            found = [item for item in found if self.id_of(item) in wanted]
        found = matching(found, request.get("Filters", ()), self.attributes, self.tags)
        chosen, token = page(found, self.id_of, request, self.ids_member)
        answer: dict[str, Any] = {self.answer_member: [self.render(item) for item in chosen]}
        if token is not None:
            answer["NextToken"] = token
        return answer


def refuse_unoffered(request: Request, names: Sequence[str]) -> None:
    """EC2 parameters this server does not offer yet are refused, never silently ignored."""
    for name in names:
        if request.get(name) is not None:
            raise UnsupportedOperationError(
                f"The parameter {name} is not supported by this server yet."
            )
