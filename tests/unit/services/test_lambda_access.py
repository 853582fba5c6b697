"""Lambda's declarations: what each operation needs, where its resources' policies are found,
and how it is audited."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from stockade.domain.arn import function_arn, layer_arn
from stockade.domain.function import Code, Function, FunctionConfig, FunctionVersion
from stockade.domain.identity import Principal, PrincipalKind
from stockade.domain.resource_policy import (
    FunctionGrant,
    ResourcePolicy,
    function_statement,
    layer_statement,
)
from stockade.errors import ApiError
from stockade.services.context import RequestContext
from stockade.services.declaration import Located, Need, Public, ServiceTable
from stockade.services.lambda_ import LambdaService, names
from stockade.services.lambda_.code_urls import CodeUrlSigner
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.invoke_target import invoke_target
from stockade.services.lambda_.scopes import (
    FunctionPolicies,
    InvokedFunctionPolicies,
    LayerVersionPolicies,
)
from stockade.store.sqlite import SqliteStore
from stockade.types import AccountId, Region, RequestId, Sha256Hex

ACCOUNT = AccountId("111122223333")
OTHER = AccountId("444455556666")
REGION = Region("us-east-1")
NOW = datetime(2024, 1, 1, tzinfo=UTC)
CODE = Code(Sha256Hex("00" * 32), 1, 1)
ROLE = f"arn:aws:iam::{ACCOUNT}:role/run"
FN = function_arn(REGION, ACCOUNT, "f")
LAYER = layer_arn(REGION, OTHER, "shared")
CSC = f"arn:aws:lambda:{REGION}:{ACCOUNT}:code-signing-config:csc-0123456789abcdefg"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    opened = SqliteStore(tmp_path / "stockade.db")
    yield opened
    opened.close()


@pytest.fixture
def deps(store: SqliteStore) -> LambdaDeps:
    unused = cast(Any, None)  # ports no declaration touches
    return LambdaDeps(store, unused, unused, unused, REGION, "x86_64", CodeUrlSigner(b"k"),
                      unused)  # fmt: skip


@pytest.fixture
def table(deps: LambdaDeps) -> ServiceTable:
    return LambdaService(deps).table()


def context() -> RequestContext:
    principal = Principal(PrincipalKind.IAM_USER, ACCOUNT, f"arn:aws:iam::{ACCOUNT}:user/u",
                          "AIDA", "u")  # fmt: skip
    return RequestContext(RequestId("r"), principal, REGION, "127.0.0.1", "test", False, NOW, "")


def grant_on(resource: str, principal: str = OTHER) -> ResourcePolicy:
    grant = FunctionGrant("s", "lambda:InvokeFunction", principal, resource)
    return ResourcePolicy("rev", (function_statement(grant),))


def needs_of(table: ServiceTable, name: str, request: Mapping[str, Any]) -> list[Need]:
    access = table.operations[name].access
    assert not isinstance(access, Public)
    return list(access(context(), request))


# -- scopes ---------------------------------------------------------------------------------------


def test_the_function_scope_finds_the_policy_of_the_named_qualifier(
    store: SqliteStore, deps: LambdaDeps
) -> None:
    alias_arn = function_arn(REGION, ACCOUNT, "f", "live")
    with store.write() as tx:
        tx.resource_policies.put_function_policy(ACCOUNT, "f", "live", grant_on(alias_arn, "*"))
        tx.resource_policies.put_function_policy(ACCOUNT, "f", "", grant_on(FN))
    functions = FunctionPolicies(deps)
    ctx = context()

    public = functions.locate(ctx, alias_arn)
    assert public.public
    assert public.arn == alias_arn
    assert public.policy is not None
    assert public.policy.policy_id == alias_arn
    assert not public.policy_required  # a grant is enough; identity policies may allow too

    latest = functions.locate(ctx, function_arn(REGION, ACCOUNT, "f", "$LATEST"))
    assert latest.policy is not None
    assert not latest.public
    for resource in (
        function_arn(REGION, ACCOUNT, "f", "1"),  # a version with no policy of its own
        function_arn("eu-west-1", ACCOUNT, "f"),  # another region holds nothing here
        layer_arn(REGION, ACCOUNT, "f", 1),  # not a function
        "*",
        ROLE,
        "arn:broken",
    ):
        assert functions.locate(ctx, resource) == Located(resource)


def test_the_layer_version_scope_reads_layer_version_policies_only(
    store: SqliteStore, deps: LambdaDeps
) -> None:
    version = layer_arn(REGION, OTHER, "shared", 2)
    statement = layer_statement("s", "lambda:GetLayerVersion", "*", version, None)
    with store.write() as tx:
        tx.resource_policies.put_layer_policy(OTHER, "shared", 2, ResourcePolicy("r", (statement,)))
        tx.resource_policies.put_function_policy(OTHER, "shared", "", grant_on(FN, "*"))
    layers = LayerVersionPolicies(deps)
    found = layers.locate(context(), version)
    assert found.public
    assert found.policy is not None
    assert found.policy.policy_id == version
    for resource in (
        LAYER,
        layer_arn(REGION, OTHER, "shared", 3),
        function_arn(REGION, OTHER, "shared"),
    ):
        assert layers.locate(context(), resource) == Located(resource)


def test_the_invoke_scope_and_the_handler_share_one_read_until_the_store_changes(
    store: SqliteStore, deps: LambdaDeps
) -> None:
    config = FunctionConfig("python3.11", "app.handler", ROLE)
    with store.write() as tx:
        tx.functions.put(Function(ACCOUNT, "f", NOW))
        tx.versions.put(FunctionVersion(ACCOUNT, "f", "$LATEST", config, CODE, "r", NOW))
    scope = InvokedFunctionPolicies(deps)
    ctx = context()
    target = names.resolve(deps, ctx, "f")

    assert scope.locate(ctx, target.arn) == Located(FN)
    first = invoke_target(deps, target)
    assert invoke_target(deps, target) is first  # the handler's read is the scope's
    assert first.version is not None

    with store.write() as tx:
        tx.resource_policies.put_function_policy(ACCOUNT, "f", "", grant_on(FN, "*"))
    changed = scope.locate(ctx, target.arn)
    assert changed.public
    assert changed.policy is not None
    assert invoke_target(deps, target) is not first  # a commit is seen by the next request


# -- needs ----------------------------------------------------------------------------------------

ALIAS = function_arn(REGION, ACCOUNT, "f", "live")
MAPPING = "14e0db71-5d35-4eb5-b481-8945cf9d10c2"
ESM = f"arn:aws:lambda:{REGION}:{ACCOUNT}:event-source-mapping:{MAPPING}"
V1 = function_arn(REGION, ACCOUNT, "f", "1")


@pytest.mark.parametrize(
    ("operation", "request_", "expected"),
    [
        ("GetFunction", {"FunctionName": "f"}, [("lambda:GetFunction", FN)]),
        ("GetFunction", {"FunctionName": "f", "Qualifier": "1"}, [("lambda:GetFunction", V1)]),
        ("GetFunctionConfiguration", {"FunctionName": f"{ACCOUNT}:function:f:live"},
         [("lambda:GetFunctionConfiguration", ALIAS)]),
        ("DeleteFunction", {"FunctionName": V1}, [("lambda:DeleteFunction", V1)]),
        ("ListFunctions", {}, [("lambda:ListFunctions", "*")]),
        ("UpdateFunctionCode", {"FunctionName": "f"}, [("lambda:UpdateFunctionCode", FN)]),
        ("PublishVersion", {"FunctionName": FN}, [("lambda:PublishVersion", FN)]),
        ("ListVersionsByFunction", {"FunctionName": "f:live"},
         [("lambda:ListVersionsByFunction", FN)]),
        ("CreateAlias", {"FunctionName": "f", "Name": "live", "FunctionVersion": "1"},
         [("lambda:CreateAlias", ALIAS)]),
        ("DeleteAlias", {"FunctionName": "f", "Name": "live"}, [("lambda:DeleteAlias", ALIAS)]),
        ("ListAliases", {"FunctionName": "f"}, [("lambda:ListAliases", FN)]),
        ("TagResource", {"Resource": FN, "Tags": {"a": "b"}}, [("lambda:TagResource", FN)]),
        ("ListTags", {"Resource": FN}, [("lambda:ListTags", FN)]),
        ("GetAccountSettings", {}, [("lambda:GetAccountSettings", "*")]),
        ("Invoke", {"FunctionName": "f", "Qualifier": "live"}, [("lambda:InvokeFunction", ALIAS)]),
        ("Invoke", {"FunctionName": function_arn(REGION, OTHER, "theirs")},
         [("lambda:InvokeFunction", function_arn(REGION, OTHER, "theirs"))]),
        ("PutFunctionConcurrency", {"FunctionName": "f", "ReservedConcurrentExecutions": 1},
         [("lambda:PutFunctionConcurrency", FN)]),
        ("GetFunctionRecursionConfig", {"FunctionName": "f"},
         [("lambda:GetFunctionRecursionConfig", FN)]),
        ("PutFunctionRecursionConfig", {"FunctionName": FN, "RecursiveLoop": "Allow"},
         [("lambda:PutFunctionRecursionConfig", FN)]),
        ("PutFunctionEventInvokeConfig", {"FunctionName": "f", "Qualifier": "1"},
         [("lambda:PutFunctionEventInvokeConfig", V1)]),
        ("ListFunctionEventInvokeConfigs", {"FunctionName": "f"},
         [("lambda:ListFunctionEventInvokeConfigs", FN)]),
        ("PutProvisionedConcurrencyConfig",
         {"FunctionName": "f", "Qualifier": "live", "ProvisionedConcurrentExecutions": 1},
         [("lambda:PutProvisionedConcurrencyConfig", ALIAS)]),
        ("ListProvisionedConcurrencyConfigs", {"FunctionName": "f"},
         [("lambda:ListProvisionedConcurrencyConfigs", FN)]),
        ("RemovePermission", {"FunctionName": "f", "StatementId": "s", "Qualifier": "live"},
         [("lambda:RemovePermission", ALIAS)]),
        ("GetPolicy", {"FunctionName": "f"}, [("lambda:GetPolicy", FN)]),
        ("PublishLayerVersion", {"LayerName": "mine", "Content": {}},
         [("lambda:PublishLayerVersion", layer_arn(REGION, ACCOUNT, "mine"))]),
        ("GetLayerVersion", {"LayerName": LAYER, "VersionNumber": 2},
         [("lambda:GetLayerVersion", f"{LAYER}:2")]),
        ("GetLayerVersionByArn", {"Arn": f"{LAYER}:3"}, [("lambda:GetLayerVersion", f"{LAYER}:3")]),
        ("ListLayers", {}, [("lambda:ListLayers", "*")]),
        ("ListLayerVersions", {"LayerName": "mine"},
         [("lambda:ListLayerVersions", layer_arn(REGION, ACCOUNT, "mine"))]),
        ("DeleteLayerVersion", {"LayerName": "mine", "VersionNumber": 4},
         [("lambda:DeleteLayerVersion", layer_arn(REGION, ACCOUNT, "mine", 4))]),
        ("AddLayerVersionPermission", {"LayerName": "mine", "VersionNumber": 1},
         [("lambda:AddLayerVersionPermission", layer_arn(REGION, ACCOUNT, "mine", 1))]),
        ("CreateCodeSigningConfig", {"AllowedPublishers": {"SigningProfileVersionArns": []}},
         [("lambda:CreateCodeSigningConfig", "*")]),
        ("GetCodeSigningConfig", {"CodeSigningConfigArn": CSC},
         [("lambda:GetCodeSigningConfig", CSC)]),
        ("DeleteFunctionCodeSigningConfig", {"FunctionName": "f"},
         [("lambda:DeleteFunctionCodeSigningConfig", FN)]),
        ("CreateFunctionUrlConfig", {"FunctionName": "f", "AuthType": "NONE"},
         [("lambda:CreateFunctionUrlConfig", FN)]),
        ("GetFunctionUrlConfig", {"FunctionName": "f", "Qualifier": "live"},
         [("lambda:GetFunctionUrlConfig", ALIAS)]),
        ("UpdateFunctionUrlConfig", {"FunctionName": "f:live"},
         [("lambda:UpdateFunctionUrlConfig", ALIAS)]),
        ("DeleteFunctionUrlConfig", {"FunctionName": "f"},
         [("lambda:DeleteFunctionUrlConfig", FN)]),
        ("ListFunctionUrlConfigs", {"FunctionName": "f"},
         [("lambda:ListFunctionUrlConfigs", FN)]),
        ("CreateEventSourceMapping", {"FunctionName": "f", "EventSourceArn": "arn:aws:sqs:x"},
         [("lambda:CreateEventSourceMapping", "*")]),
        ("GetEventSourceMapping", {"UUID": MAPPING}, [("lambda:GetEventSourceMapping", ESM)]),
        ("UpdateEventSourceMapping", {"UUID": MAPPING, "FunctionName": "f:live"},
         [("lambda:UpdateEventSourceMapping", ESM), ("lambda:UpdateEventSourceMapping", ESM)]),
        ("DeleteEventSourceMapping", {"UUID": MAPPING},
         [("lambda:DeleteEventSourceMapping", ESM)]),
        ("ListEventSourceMappings", {}, [("lambda:ListEventSourceMappings", "*")]),
    ],
)  # fmt: skip
def test_an_operation_needs_its_action_on_the_resource_its_request_names(
    table: ServiceTable, operation: str, request_: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert [(n.action, n.resource) for n in needs_of(table, operation, request_)] == expected


def test_creating_a_function_needs_the_role_and_every_layer_with_lambdas_condition_keys(
    table: ServiceTable,
) -> None:
    layers = [f"{LAYER}:2", layer_arn(REGION, ACCOUNT, "mine", 1)]
    request = {"FunctionName": "f", "Role": ROLE, "Layers": layers, "CodeSigningConfigArn": CSC}
    create, pass_role, *uses = needs_of(table, "CreateFunction", request)
    assert (create.action, create.resource) == ("lambda:CreateFunction", FN)
    assert dict(create.context) == {
        "lambda:Layer": tuple(layers),
        "lambda:CodeSigningConfigArn": (CSC,),
    }
    assert (pass_role.action, pass_role.resource) == ("iam:PassRole", ROLE)
    assert dict(pass_role.context) == {"iam:PassedToService": ("lambda.amazonaws.com",)}
    assert [(n.action, n.resource) for n in uses] == [("lambda:GetLayerVersion", a) for a in layers]
    assert all(isinstance(n.scope, LayerVersionPolicies) for n in uses)

    bare = needs_of(table, "CreateFunction", {"FunctionName": "g", "Role": ROLE})
    assert [n.action for n in bare] == ["lambda:CreateFunction", "iam:PassRole"]
    assert dict(bare[0].context) == {}  # keys the request leaves unset are left out


def test_updating_a_configuration_needs_pass_role_and_layers_only_when_it_changes_them(
    table: ServiceTable,
) -> None:
    plain = needs_of(table, "UpdateFunctionConfiguration", {"FunctionName": "f", "Timeout": 9})
    assert [(n.action, n.resource) for n in plain] == [("lambda:UpdateFunctionConfiguration", FN)]
    both = needs_of(table, "UpdateFunctionConfiguration",
                    {"FunctionName": "f", "Role": ROLE, "Layers": [f"{LAYER}:2"]})  # fmt: skip
    assert [(n.action, n.resource) for n in both] == [
        ("lambda:UpdateFunctionConfiguration", FN),
        ("iam:PassRole", ROLE),
        ("lambda:GetLayerVersion", f"{LAYER}:2"),
    ]
    assert dict(both[0].context) == {"lambda:Layer": (f"{LAYER}:2",)}


def test_permission_and_code_signing_changes_offer_their_condition_keys(
    table: ServiceTable,
) -> None:
    (added,) = needs_of(table, "AddPermission", {
        "FunctionName": "f", "Qualifier": "live", "StatementId": "s",
        "Action": "lambda:InvokeFunction", "Principal": "s3.amazonaws.com",
        "FunctionUrlAuthType": "AWS_IAM",
    })  # fmt: skip
    assert (added.action, added.resource) == ("lambda:AddPermission", ALIAS)
    assert dict(added.context) == {
        "lambda:Principal": ("s3.amazonaws.com",),
        "lambda:FunctionUrlAuthType": ("AWS_IAM",),
    }
    creating = {"FunctionName": "f", "Qualifier": "live", "AuthType": "AWS_IAM"}
    (url,) = needs_of(table, "CreateFunctionUrlConfig", creating)
    assert (url.resource, dict(url.context)) == (
        ALIAS, {"lambda:FunctionUrlAuthType": ("AWS_IAM",)}
    )  # fmt: skip
    (unnamed,) = needs_of(table, "UpdateFunctionUrlConfig", {"FunctionName": "f"})
    assert dict(unnamed.context) == {}  # a key the request leaves unset is left out
    (attached,) = needs_of(table, "PutFunctionCodeSigningConfig",
                           {"FunctionName": "f", "CodeSigningConfigArn": CSC})  # fmt: skip
    assert (attached.resource, dict(attached.context)) == (
        FN, {"lambda:CodeSigningConfigArn": (CSC,)}
    )  # fmt: skip


@pytest.mark.parametrize(
    ("operation", "request_", "code", "message"),
    [
        ("CreateFunction", {"FunctionName": "f:1", "Role": ROLE}, "InvalidParameterValueException",
         "A function name cannot carry a qualifier here."),
        ("CreateFunction", {"FunctionName": "f", "Role": ROLE, "Layers": [f"{LAYER}:1"] * 6},
         "InvalidParameterValueException", "Cannot reference more than 5 layers."),
        ("CreateFunction", {"FunctionName": "f", "Role": ROLE, "Layers": [LAYER]},
         "InvalidParameterValueException", f"Layer version ARN expected: {LAYER}"),
        # AWS's recorded answer (docs/conformance.md): a 404 naming both regions.
        ("GetFunction", {"FunctionName": function_arn("eu-west-1", ACCOUNT, "f")},
         "ResourceNotFoundException",
         "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')"),
        ("Invoke", {"FunctionName": "f:1", "Qualifier": "2"}, "InvalidParameterValueException",
         "The derived qualifier from the function name does not match the specified qualifier."),
        ("TagResource", {"Resource": V1, "Tags": {}}, "InvalidParameterValueException",
         "Tags on function aliases and versions are not supported. Please specify a function"
         " ARN."),
        ("GetFunctionConcurrency", {"FunctionName": V1}, "ResourceNotFoundException",
         f"Function not found: {V1}"),
        ("PutFunctionRecursionConfig", {"FunctionName": V1, "RecursiveLoop": "Allow"},
         "ResourceNotFoundException", f"Function not found: {V1}"),
        # Lambda's wording differs between Put and Get/Delete (recorded AWS responses).
        ("GetProvisionedConcurrencyConfig", {"FunctionName": "f", "Qualifier": "$LATEST"},
         "InvalidParameterValueException",
         "The function resource provided must be an alias or a published version."),
        ("PutProvisionedConcurrencyConfig", {"FunctionName": "f", "Qualifier": "$LATEST",
                                             "ProvisionedConcurrentExecutions": 1},
         "InvalidParameterValueException",
         "Provisioned Concurrency Configs cannot be applied to unpublished function versions."),
        ("PutFunctionConcurrency", {"FunctionName": V1, "ReservedConcurrentExecutions": 1},
         "InvalidParameterValueException",
         "This operation is permitted on Lambda functions only. Aliases and versions do not"
         " support this operation. Please specify either a function name or an unqualified"
         " function ARN."),
        ("GetLayerVersionByArn", {"Arn": LAYER}, "InvalidParameterValueException",
         "A layer version ARN is required."),
    ],
)  # fmt: skip
def test_a_request_naming_no_valid_resource_is_refused_before_any_policy_is_read(
    table: ServiceTable, operation: str, request_: dict[str, Any], code: str, message: str
) -> None:
    with pytest.raises(ApiError) as refused:
        needs_of(table, operation, request_)
    assert (refused.value.code, refused.value.message) == (code, message)


# -- the table ------------------------------------------------------------------------------------


def test_every_operation_is_declared_with_needs_and_get_and_list_are_read_only(
    table: ServiceTable,
) -> None:
    # 52, Get/PutRuntimeManagementConfig, Get/PutFunctionRecursionConfig,
    # InvokeWithResponseStream, Put/Get/DeleteResourcePolicy,
    # Create/Get/Update/Delete/ListFunctionUrlConfig(s), InvokeFunctionUrl (the URL listener's)
    assert len(table.operations) == 71  # and Create/Get/Update/Delete/ListEventSourceMapping(s)
    for name, declared in table.operations.items():
        assert not isinstance(declared.access, Public), name
        assert declared.audit.read_only == name.startswith(("Get", "List")), name
        data_events = ("Invoke", "InvokeWithResponseStream", "InvokeFunctionUrl")
        assert declared.audit.data_event == (name in data_events), name
    assert (table.errors.validation("x").code, table.errors.internal("x").code) == (
        "ValidationException", "ServiceException"
    )  # fmt: skip


def test_an_invoke_is_audited_against_the_arn_it_names_with_its_qualifier(
    table: ServiceTable,
) -> None:
    resources = table.operations["Invoke"].audit.resources
    assert resources is not None
    assert resources(context(), {"FunctionName": "f", "Qualifier": "live"}) == (ALIAS,)
    assert resources(context(), {"FunctionName": "f:1"}) == (V1,)
    assert resources(context(), {"FunctionName": FN}) == (FN,)


def test_event_source_mappings_offer_the_function_as_lambda_function_arn(
    table: ServiceTable,
) -> None:
    # AWS: "You can also use the lambda:FunctionArn condition to restrict actions by associated
    # function" (developer guide, lambda-api-permissions-ref).
    (create,) = needs_of(table, "CreateEventSourceMapping",
                         {"FunctionName": "f:live", "EventSourceArn": "arn:aws:sqs:x"})  # fmt: skip
    assert create.context == {"lambda:FunctionArn": (ALIAS,)}
    _, moved = needs_of(table, "UpdateEventSourceMapping", {"UUID": MAPPING, "FunctionName": "f"})
    assert moved.context == {"lambda:FunctionArn": (FN,)}
