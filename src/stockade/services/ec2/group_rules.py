"""AuthorizeSecurityGroupIngress/Egress, RevokeSecurityGroupIngress/Egress and
DescribeSecurityGroupRules: a group's rules, one per peer, each with its `sgr-` id.

Authorizing a rule the group already has is InvalidPermission.Duplicate (and adds nothing);
a group a rule refers to must exist in the account. Revoking removes the matching rules; when
none of the given permissions matches, InvalidPermission.NotFound, otherwise the ones that
matched nothing come back as `UnknownIpPermissions` (EC2 API reference, RevokeSecurityGroup*).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from stockade.domain.network import Rule, SecurityGroup
from stockade.sandbox.network.attachment import IgnoredChanges, NetworkChanges
from stockade.services.context import RequestContext
from stockade.services.ec2 import configuration_items, quotas
from stockade.services.ec2.common import IdSource, Request, check_dry_run
from stockade.services.ec2.describing import Listing, refuse_unoffered
from stockade.services.ec2.errors import (
    PermissionDuplicateError,
    PermissionNotFoundError,
    RuleNotFoundError,
)
from stockade.services.ec2.groups import group_id_of, load_group
from stockade.services.ec2.permissions import (
    describe,
    render_rule,
    requested,
    to_permissions,
    to_rules,
)
from stockade.store.ports import Store, Transaction

# Group names as peers need a default VPC, and rules are not tagged here yet.
_UNOFFERED = ("SourceSecurityGroupName", "SourceSecurityGroupOwnerId", "TagSpecifications")


class GroupRules:
    def __init__(
        self,
        store: Store,
        ids: IdSource,
        region: str,
        network_changes: NetworkChanges | None = None,
    ) -> None:
        self._store = store
        self._ids = ids
        self._region = region
        # Told after an egress change commits: environments of the VPC follow it.
        self._changes = network_changes or IgnoredChanges()

    def authorize_ingress(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        return self._authorize(ctx, request, egress=False)

    def authorize_egress(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        return self._authorize(ctx, request, egress=True)

    def revoke_ingress(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        return self._revoke(ctx, request, egress=False)

    def revoke_egress(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        return self._revoke(ctx, request, egress=True)

    def _authorize(self, ctx: RequestContext, request: Request, egress: bool) -> dict[str, Any]:
        refuse_unoffered(request, _UNOFFERED)
        group_id = group_id_of(request)
        new = to_rules(requested(request), egress, self._ids)
        account = ctx.principal.account_id
        with self._store.write() as tx:
            group = load_group(tx, account, group_id)
            self._check_references(tx, group, new)
            kept: list[Rule] = list(group.rules)
            for rule in new:
                if any(rule.same_permission(old) for old in kept):
                    raise PermissionDuplicateError(
                        f'the specified rule "{describe(rule)}" already exists'
                    )
                kept.append(rule)
            updated = replace(group, rules=tuple(kept))
            quotas.check_rules(updated)
            check_dry_run(request)
            tx.networks.put_group(updated)
            configuration_items.record(ctx, tx, self._region, [group_id])
        # Egress rules decide what functions reach; ingress rules whom an endpoint admits.
        self._changes.vpc_changed(account, group.vpc_id)
        rendered = [render_rule(r, group_id, account, self._region) for r in new]
        return {"Return": True, "SecurityGroupRules": rendered}

    def _check_references(self, tx: Transaction, group: SecurityGroup, rules: list[Rule]) -> None:
        for rule in rules:
            if rule.group_id and rule.group_id != group.group_id:
                load_group(tx, group.account_id, rule.group_id)

    def _revoke(self, ctx: RequestContext, request: Request, egress: bool) -> dict[str, Any]:
        refuse_unoffered(request, _UNOFFERED)
        group_id = group_id_of(request)
        account = ctx.principal.account_id
        rule_ids = list(request.get("SecurityGroupRuleIds", ()))
        given = to_rules(requested(request), egress, self._ids)
        with self._store.write() as tx:
            group = load_group(tx, account, group_id)
            mine = {r.rule_id: r for r in group.rules if r.egress == egress}
            for rule_id in rule_ids:
                if rule_id not in mine:
                    raise _no_rule(str(rule_id))
            gone = {mine[rule_id].rule_id for rule_id in rule_ids}
            unknown: list[Rule] = []
            for rule in given:
                found = [old for old in mine.values() if rule.same_permission(old)]
                gone.update(old.rule_id for old in found)
                if not found:
                    unknown.append(rule)
            if given and len(unknown) == len(given) and not rule_ids:
                raise PermissionNotFoundError(
                    "The specified rule does not exist in this security group."
                )
            check_dry_run(request)
            kept = tuple(r for r in group.rules if r.rule_id not in gone)
            tx.networks.put_group(replace(group, rules=kept))
            configuration_items.record(ctx, tx, self._region, [group_id])
        if gone:
            self._changes.vpc_changed(account, group.vpc_id)
        revoked = [r for r in group.rules if r.rule_id in gone]
        answer: dict[str, Any] = {
            "Return": True,
            "RevokedSecurityGroupRules": [
                {"SecurityGroupRuleId": r.rule_id, "GroupId": group_id, "IsEgress": r.egress,
                 "IpProtocol": r.protocol}
                for r in revoked
            ],
        }  # fmt: skip
        if unknown:
            answer["UnknownIpPermissions"] = to_permissions(unknown, account)
        return answer

    def describe_security_group_rules(
        self, ctx: RequestContext, request: Request
    ) -> dict[str, Any]:
        check_dry_run(request)
        account = ctx.principal.account_id
        with self._store.read() as tx:
            groups = tx.networks.groups(account)
        rules = sorted(
            ((group, rule) for group in groups for rule in group.rules), key=lambda p: p[1].rule_id
        )
        listing = Listing[tuple[SecurityGroup, Rule]](
            "SecurityGroupRuleIds", "SecurityGroupRules", lambda p: p[1].rule_id, _no_rule,
            _attributes, lambda p: (),
            lambda p: render_rule(p[1], p[0].group_id, account, self._region),
        )  # fmt: skip
        return listing.describe(rules, request)


def _no_rule(rule_id: str) -> RuleNotFoundError:
    return RuleNotFoundError(f"The security group rule ID '{rule_id[:64]}' does not exist")


def _attributes(pair: tuple[SecurityGroup, Rule]) -> dict[str, list[str]]:
    # The filter names of DescribeSecurityGroupRules in the EC2 API reference.
    group, rule = pair
    return {"group-id": [group.group_id], "security-group-rule-id": [rule.rule_id]}
