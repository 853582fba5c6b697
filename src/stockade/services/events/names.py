"""Which bus or rule a request names, and their ARNs.

A bus is named by its name or its ARN (`arn:aws:events:<region>:<account>:event-bus/<name>`);
a rule by its name on a bus, its ARN being `.../rule/<name>` on the default bus and
`.../rule/<bus>/<name>` on any other. The needs authorize on the ARN a request names; the
handlers look only in the caller's own account and region, so an ARN naming another account's
bus finds nothing (this control plane shares no buses across accounts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stockade.domain.events import DEFAULT_BUS
from stockade.services.events.errors import ValidationError

_BUS_ARN = re.compile(
    r"arn:aws[\w-]*:events:([a-z0-9-]+):([0-9]{12}):event-bus/([/.\-_A-Za-z0-9]+)"
)
_RULE_ARN = re.compile(r"arn:aws[\w-]*:events:([a-z0-9-]+):([0-9]{12}):rule/([/.\-_A-Za-z0-9]+)")
BAD_ARN = "Provided Arn is not in correct format."


@dataclass(frozen=True)
class BusRef:
    region: str
    account_id: str
    name: str

    def arn(self) -> str:
        return bus_arn(self.region, self.account_id, self.name)


@dataclass(frozen=True)
class RuleRef:
    bus: BusRef
    name: str

    def arn(self) -> str:
        return rule_arn(self.bus.region, self.bus.account_id, self.bus.name, self.name)


def bus_arn(region: str, account_id: str, name: str) -> str:
    return f"arn:aws:events:{region}:{account_id}:event-bus/{name}"


def rule_arn(region: str, account_id: str, bus: str, name: str) -> str:
    path = name if bus == DEFAULT_BUS else f"{bus}/{name}"
    return f"arn:aws:events:{region}:{account_id}:rule/{path}"


def bus_ref(region: str, account_id: str, given: str | None) -> BusRef:
    """The bus `EventBusName` names: the caller's default bus when absent."""
    if given is None:
        return BusRef(region, account_id, DEFAULT_BUS)
    if given.startswith("arn:"):
        found = _BUS_ARN.fullmatch(given)
        if found is None:
            raise ValidationError(BAD_ARN)
        return BusRef(found.group(1), found.group(2), found.group(3))
    return BusRef(region, account_id, given)


def resource_ref(arn: str) -> BusRef | RuleRef:
    """The bus or rule a tagging request's `ResourceARN` names."""
    bus = _BUS_ARN.fullmatch(arn)
    if bus is not None:
        return BusRef(bus.group(1), bus.group(2), bus.group(3))
    rule = _RULE_ARN.fullmatch(arn)
    if rule is None:
        raise ValidationError(BAD_ARN)
    region, account, path = rule.group(1), rule.group(2), rule.group(3)
    bus_name, _, name = path.rpartition("/")
    return RuleRef(BusRef(region, account, bus_name or DEFAULT_BUS), name)
