"""The names CloudTrail records Lambda's operations under.

Lambda's `eventName` is the operation's name with the version of the API it was introduced or
revised in (`CreateFunction20150331`, `GetFunction20150331v2`, `TagResource20170331v2`);
operations added since 2019 keep their plain names, and so do the data events (`Invoke`).
Sources: AWS's "Logging AWS Lambda API calls using AWS CloudTrail" (which names
`AddPermission20150331v2`, `UpdateFunctionCode20150331v2` ...) and recorded CloudTrail events.
An operation not listed here is recorded under its own name.
"""

from __future__ import annotations

from collections.abc import Mapping

_V20150331 = (
    "CreateFunction", "DeleteFunction", "ListFunctions", "PublishVersion",
    "ListVersionsByFunction", "CreateAlias", "GetAlias", "UpdateAlias", "DeleteAlias",
    "ListAliases", "CreateEventSourceMapping", "GetEventSourceMapping",
    "UpdateEventSourceMapping", "DeleteEventSourceMapping", "ListEventSourceMappings",
)  # fmt: skip
_V20150331_V2 = (
    "GetFunction", "GetFunctionConfiguration", "UpdateFunctionCode",
    "UpdateFunctionConfiguration", "AddPermission", "RemovePermission", "GetPolicy",
)  # fmt: skip
_V20181031 = (
    "PublishLayerVersion", "GetLayerVersion", "GetLayerVersionByArn", "ListLayers",
    "ListLayerVersions", "DeleteLayerVersion", "AddLayerVersionPermission",
    "RemoveLayerVersionPermission", "GetLayerVersionPolicy",
)  # fmt: skip

LAMBDA_EVENT_NAMES: Mapping[str, str] = {
    **{name: f"{name}20150331" for name in _V20150331},
    **{name: f"{name}20150331v2" for name in _V20150331_V2},
    **{name: f"{name}20181031" for name in _V20181031},
    "TagResource": "TagResource20170331v2",
    "UntagResource": "UntagResource20170331v2",
    "ListTags": "ListTags20170331",
    "PutFunctionConcurrency": "PutFunctionConcurrency20171031",
    "DeleteFunctionConcurrency": "DeleteFunctionConcurrency20171031",
    "GetAccountSettings": "GetAccountSettings20160819",
}
