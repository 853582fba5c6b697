"""IAM's declared operations on a real store: what each request needs, the ARNs (paths
included) its scopes find, denial for a caller without policies, and cache forgetting."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from stockade.clock import FakeClock
from stockade.domain.account import AccessKey, IamUser
from stockade.domain.iam import IamGroup, IamRole
from stockade.domain.identity import Principal, PrincipalKind
from stockade.errors import ApiError
from stockade.kernel.audit_records import is_read_only
from stockade.kernel.authorizer import PolicyAuthorizer
from stockade.services.context import RequestContext
from stockade.services.declaration import Need, Public, ServiceTable
from stockade.services.iam.errors import AccessDeniedError, ValidationError
from stockade.services.iam.scopes import AccessKeyOwners, IamEntities
from stockade.services.iam.service import IamService
from stockade.services.identity import Identities
from stockade.shapes import iam as shapes
from stockade.store.sqlite import SqliteStore
from stockade.types import AccessKeyId, AccountId, Region, RequestId

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})  # fmt: skip
DOC = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "lambda:ListFunctions", "Resource": "*"}]})  # fmt: skip
KEY = "AKIAALICEALICEALICE1"


@dataclass
class World:
    store: SqliteStore
    account: AccountId
    table: ServiceTable
    caller: RequestContext  # "carol", at /ops/, with no policy at all
    changes: list[int]

    def arn(self, resource: str) -> str:
        return f"arn:aws:iam::{self.account}:{resource}"


def _ctx(principal: Principal) -> RequestContext:
    return RequestContext(RequestId("r"), principal, Region("us-east-1"), "127.0.0.1", "test",
                          True, datetime(2026, 1, 1, tzinfo=UTC), "")  # fmt: skip


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    clock = FakeClock()
    store = SqliteStore(tmp_path / "stockade.db")
    account = AccountId(Identities(store, clock).create_account("a").account.account_id)
    now = clock.now()
    carol = IamUser(account, "carol", "AIDACAROL", now, "/ops/")
    with store.write() as tx:
        tx.users.put(IamUser(account, "alice", "AIDAALICE", now, "/team/"))
        tx.users.put(carol)
        tx.access_keys.put(AccessKey(AccessKeyId(KEY), account, "alice", "s" * 40, now))
        tx.groups.put(IamGroup(account, "devs", "AGPADEVS", now, "/eng/"))
        tx.roles.put(IamRole(account, "runner", "AROARUNNER", now, TRUST, "/svc/"))
    changes: list[int] = []
    table = IamService(store, clock, on_change=lambda: changes.append(1)).table()
    caller = _ctx(Principal(PrincipalKind.IAM_USER, account, carol.arn, carol.user_id, "carol"))
    yield World(store, account, table, caller, changes)
    store.close()


def _request(op: str, **members: Any) -> tuple[str, dict[str, Any]]:
    return op, members


POLICY = "arn:aws:iam::aws:policy/AWSLambda_ReadOnlyAccess"
# One valid request per declared operation, and what it needs: (action, resource, context).
# Resources are as the scopes locate them: alice is at /team/, devs at /eng/, runner at /svc/,
# the caller (carol) at /ops/.
CASES: list[tuple[tuple[str, dict[str, Any]], tuple[str, str, Mapping[str, tuple[str, ...]]]]] = [
    (_request("CreateUser", UserName="dave", Path="/x/y/"), ("CreateUser", "user/x/y/dave", {})),
    (_request("CreateUser", UserName="dave", PermissionsBoundary=POLICY),
     ("CreateUser", "user/dave", {"iam:PermissionsBoundary": (POLICY,)})),
    (_request("GetUser", UserName="alice"), ("GetUser", "user/team/alice", {})),
    (_request("GetUser"), ("GetUser", "user/ops/carol", {})),
    (_request("ListUsers", PathPrefix="/team/"), ("ListUsers", "user/", {})),
    (_request("DeleteUser", UserName="alice"), ("DeleteUser", "user/team/alice", {})),
    (_request("CreateAccessKey", UserName="alice"), ("CreateAccessKey", "user/team/alice", {})),
    (_request("CreateAccessKey"), ("CreateAccessKey", "user/ops/carol", {})),
    (_request("DeleteAccessKey", UserName="alice", AccessKeyId=KEY),
     ("DeleteAccessKey", "user/team/alice", {})),
    (_request("UpdateAccessKey", AccessKeyId=KEY, Status="Inactive"),
     ("UpdateAccessKey", "user/ops/carol", {})),
    (_request("ListAccessKeys", UserName="alice"), ("ListAccessKeys", "user/team/alice", {})),
    (_request("GetAccessKeyLastUsed", AccessKeyId=KEY),
     ("GetAccessKeyLastUsed", "user/team/alice", {})),
    (_request("CreateRole", RoleName="r2", Path="/svc/", AssumeRolePolicyDocument=TRUST),
     ("CreateRole", "role/svc/r2", {})),
    (_request("GetRole", RoleName="runner"), ("GetRole", "role/svc/runner", {})),
    (_request("ListRoles"), ("ListRoles", "role/", {})),
    (_request("DeleteRole", RoleName="runner"), ("DeleteRole", "role/svc/runner", {})),
    (_request("UpdateAssumeRolePolicy", RoleName="runner", PolicyDocument=TRUST),
     ("UpdateAssumeRolePolicy", "role/svc/runner", {})),
    (_request("CreateGroup", GroupName="g2"), ("CreateGroup", "group/g2", {})),
    (_request("GetGroup", GroupName="devs"), ("GetGroup", "group/eng/devs", {})),
    (_request("ListGroups"), ("ListGroups", "group/", {})),
    (_request("DeleteGroup", GroupName="devs"), ("DeleteGroup", "group/eng/devs", {})),
    (_request("AddUserToGroup", GroupName="devs", UserName="alice"),
     ("AddUserToGroup", "group/eng/devs", {})),
    (_request("RemoveUserFromGroup", GroupName="devs", UserName="alice"),
     ("RemoveUserFromGroup", "group/eng/devs", {})),
    (_request("ListGroupsForUser", UserName="alice"), ("ListGroupsForUser", "user/team/alice", {})),
    (_request("CreatePolicy", PolicyName="p", Path="/pp/", PolicyDocument=DOC),
     ("CreatePolicy", "policy/pp/p", {})),
    (_request("GetPolicy", PolicyArn=POLICY), ("GetPolicy", POLICY, {})),
    (_request("ListPolicies", Scope="Local"), ("ListPolicies", "policy/", {})),
    (_request("DeletePolicy", PolicyArn=POLICY), ("DeletePolicy", POLICY, {})),
    (_request("GetPolicyVersion", PolicyArn=POLICY, VersionId="v1"),
     ("GetPolicyVersion", POLICY, {})),
    (_request("ListPolicyVersions", PolicyArn=POLICY), ("ListPolicyVersions", POLICY, {})),
    (_request("CreatePolicyVersion", PolicyArn=POLICY, PolicyDocument=DOC),
     ("CreatePolicyVersion", POLICY, {})),
    (_request("DeletePolicyVersion", PolicyArn=POLICY, VersionId="v1"),
     ("DeletePolicyVersion", POLICY, {})),
    (_request("SetDefaultPolicyVersion", PolicyArn=POLICY, VersionId="v1"),
     ("SetDefaultPolicyVersion", POLICY, {})),
]  # fmt: skip
_OWNERS = {"User": ("UserName", "alice", "user/team/alice"),
           "Group": ("GroupName", "devs", "group/eng/devs"),
           "Role": ("RoleName", "runner", "role/svc/runner")}  # fmt: skip
for _label, (_member, _name, _arn) in _OWNERS.items():
    _attached = {"iam:PolicyARN": (POLICY,)}
    CASES += [
        (_request(f"Put{_label}Policy", **{_member: _name}, PolicyName="p", PolicyDocument=DOC),
         (f"Put{_label}Policy", _arn, {})),
        (_request(f"Get{_label}Policy", **{_member: _name}, PolicyName="p"),
         (f"Get{_label}Policy", _arn, {})),
        (_request(f"Delete{_label}Policy", **{_member: _name}, PolicyName="p"),
         (f"Delete{_label}Policy", _arn, {})),
        (_request(f"List{_label}Policies", **{_member: _name}),
         (f"List{_label}Policies", _arn, {})),
        (_request(f"Attach{_label}Policy", **{_member: _name}, PolicyArn=POLICY),
         (f"Attach{_label}Policy", _arn, _attached)),
        (_request(f"Detach{_label}Policy", **{_member: _name}, PolicyArn=POLICY),
         (f"Detach{_label}Policy", _arn, _attached)),
        (_request(f"ListAttached{_label}Policies", **{_member: _name}),
         (f"ListAttached{_label}Policies", _arn, {})),
    ]  # fmt: skip
    if _label != "Group":
        CASES += [
            (_request(f"Put{_label}PermissionsBoundary", **{_member: _name},
                      PermissionsBoundary=POLICY),
             (f"Put{_label}PermissionsBoundary", _arn, {"iam:PermissionsBoundary": (POLICY,)})),
            (_request(f"Delete{_label}PermissionsBoundary", **{_member: _name}),
             (f"Delete{_label}PermissionsBoundary", _arn, {})),
        ]  # fmt: skip


def _located(ctx: RequestContext, need: Need) -> str:
    return need.resource if need.scope is None else need.scope.locate(ctx, need.resource).arn


def _needs(world: World, ctx: RequestContext, op: str, request: dict[str, Any]) -> list[Need]:
    access = world.table.operations[op].access
    assert not isinstance(access, Public), f"{op} must need a permission"
    return list(access(ctx, request))


def test_every_served_operation_has_a_case_and_is_in_the_model(world: World) -> None:
    declared = set(world.table.operations)
    assert {request[0] for request, _ in CASES} == declared
    assert declared <= set(shapes.OPERATIONS)
    assert len(declared) == 55


@pytest.mark.parametrize(("request_", "expected"), CASES, ids=lambda c: str(c[0]))
def test_each_operation_needs_its_action_on_the_entitys_stored_arn_and_denies_no_policy(
    world: World,
    request_: tuple[str, dict[str, Any]],
    expected: tuple[str, str, Mapping[str, tuple[str, ...]]],
) -> None:
    op, members = request_
    action, resource, context = expected
    needs = _needs(world, world.caller, op, members)
    full = resource if resource.startswith("arn:") else world.arn(resource)
    assert [(n.action, _located(world.caller, n), dict(n.context)) for n in needs] == [
        (f"iam:{action}", full, context)
    ]
    # The caller has no policy at all: every need is refused, naming the located ARN.
    authorizer = PolicyAuthorizer(world.store, cache_ttl_s=0)
    for need in needs:
        with pytest.raises(AccessDeniedError) as denied:
            authorizer.decide(world.caller, need, AccessDeniedError)
        assert f"perform: iam:{action} on resource: {full} because" in denied.value.message


@pytest.mark.parametrize(("request_", "expected"), CASES, ids=lambda c: str(c[0]))
def test_changes_and_only_changes_forget_the_caches(
    world: World, request_: tuple[str, dict[str, Any]], expected: Any
) -> None:
    op, members = request_
    declared = world.table.operations[op]
    assert declared.audit.read_only is is_read_only("iam", op)
    with contextlib.suppress(ApiError):  # failed or not, a change may have been made
        declared.handler(world.caller, members)
    assert world.changes == ([] if declared.audit.read_only else [1])


def test_an_entity_that_does_not_exist_is_authorized_by_its_name(world: World) -> None:
    entities = IamEntities(world.store)
    for resource in ("user/ghost", "group/ghost", "role/ghost"):
        assert entities.locate(world.caller, world.arn(resource)).arn == world.arn(resource)
    assert entities.locate(world.caller, world.arn("user/alice")).policy is None


def test_an_access_key_is_authorized_as_its_user_and_an_unknown_one_as_every_user(
    world: World,
) -> None:
    owners = AccessKeyOwners(world.store)
    assert owners.locate(world.caller, KEY).arn == world.arn("user/team/alice")
    assert owners.locate(world.caller, "AKIANOSUCHKEYNOSUCH1").arn == world.arn("user/")
    # Another account's key names no user of the caller's account.
    other = _ctx(Principal(PrincipalKind.IAM_USER, AccountId("999988887777"),
                           "arn:aws:iam::999988887777:user/x", "AIDAX", "x"))  # fmt: skip
    assert owners.locate(other, KEY).arn == "arn:aws:iam::999988887777:user/"


@pytest.mark.parametrize("op", ["GetUser", "CreateAccessKey", "ListAccessKeys"])
def test_a_role_session_must_name_the_user(world: World, op: str) -> None:
    session = _ctx(Principal(
        PrincipalKind.ASSUMED_ROLE, world.account,
        f"arn:aws:sts::{world.account}:assumed-role/runner/s", "AROARUNNER:s", "s",
        role_arn=world.arn("role/svc/runner"),
    ))  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        _needs(world, session, op, {})
    assert refused.value.message == "Must specify userName when calling with non-User credentials"


@pytest.mark.parametrize(
    ("op", "members"),
    [
        ("CreateUser", {"UserName": "t"}),
        ("CreateRole", {"RoleName": "t", "AssumeRolePolicyDocument": TRUST}),
        ("CreatePolicy", {"PolicyName": "t", "PolicyDocument": DOC}),
    ],
)
def test_tags_are_refused_not_dropped(world: World, op: str, members: dict[str, Any]) -> None:
    handler = world.table.operations[op].handler
    with pytest.raises(ValidationError) as refused:
        handler(world.caller, {**members, "Tags": [{"Key": "team", "Value": "a"}]})
    assert refused.value.message == f"Stockade does not support Tags in {op}."
    with world.store.read() as tx:
        assert tx.users.get(world.account, "t") is None
        assert tx.roles.get(world.account, "t") is None
        assert tx.policies.get_managed(world.arn("policy/t")) is None
