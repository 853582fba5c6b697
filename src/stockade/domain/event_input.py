"""What a rule's target receives instead of the whole event: `InputPath` (one JSON path) and
`InputTransformer` (named paths substituted into a template).

Rules from the EventBridge user guide (eb-transform-target-input), botocore's `events` model
(InputPathsMap: at most 100 keys matching [A-Za-z0-9_-]+, paths at most 256 characters,
InputTemplate 1..8192 characters) and AWS-recorded deliveries kept in LocalStack's
tests/aws/services/events/test_events_inputs.snapshot.json:

* paths use AWS's JSONPath subset: `$`, dot notation, array indices `[n]` and wildcards `*`;
* a template starting with `"` is a string template: values are written bare (a string without
  quotes, an object as `{k:v,...}`, a list as `[a,b]`), a missing value as nothing, and the
  output is delivered as written (even several quoted lines);
* any other template is JSON: a placeholder outside quotes becomes the value's JSON (a missing
  value becomes `""`), inside quotes the text of a string, number or boolean; the result must
  parse as JSON, or nothing is delivered (`render` raises);
* `<aws.events.event>` (the event without `detail`, `detail-type` spelled `detailType`) and
  `<aws.events.event.json>` (the whole event) are inserted as raw JSON wherever they stand;
  `<aws.events.rule-arn>`, `<aws.events.rule-name>` and `<aws.events.event.ingestion-time>`
  are strings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stockade.domain.event_path import MISSING, TargetInputError, parse_path

MAX_PATHS = 100
MAX_TEMPLATE = 8192
KEY = re.compile(r"[A-Za-z0-9_\-]{1,256}")
PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")
EVENT, EVENT_JSON = "aws.events.event", "aws.events.event.json"
RULE_ARN, RULE_NAME = "aws.events.rule-arn", "aws.events.rule-name"
INGESTION_TIME = "aws.events.event.ingestion-time"
PREDEFINED = frozenset({EVENT, EVENT_JSON, RULE_ARN, RULE_NAME, INGESTION_TIME})
# The order AWS writes <aws.events.event> in (AWS-recorded), other top-level fields after.
_EVENT_ORDER = ("id", "account", "detail-type", "time", "source", "region", "resources", "version")

__all__ = [
    "MAX_PATHS",
    "InputTransformer",
    "TargetInputError",
    "check_input_path",
    "input_path",
    "invalid_placeholder_message",
    "parse_input_transformer",
]


def input_path(event: Mapping[str, Any], path: str) -> Any:
    """The part of `event` that `path` selects (None when it selects nothing)."""
    found = parse_path(path).select(event)
    return None if found is MISSING else found


def check_input_path(path: str) -> None:
    parse_path(path)


def invalid_placeholder_message(target_id: str, name: str) -> str:
    """AWS's PutTargets ValidationException text for an undefined placeholder (AWS-recorded)."""
    return f"InputTemplate for target {target_id} contains invalid placeholder {name}."


@dataclass(frozen=True)
class InputTransformer:
    paths: Mapping[str, str]
    template: str

    def render(
        self, event: Mapping[str, Any], rule_arn: str, rule_name: str, ingestion_time: str
    ) -> str:
        values: dict[str, Any] = {
            name: parse_path(path).select(event) for name, path in self.paths.items()
        }
        values[RULE_ARN], values[RULE_NAME] = rule_arn, rule_name
        values[INGESTION_TIME] = ingestion_time
        raw = {EVENT: json.dumps(_event_without_detail(event)), EVENT_JSON: json.dumps(event)}
        if self.template.lstrip().startswith('"'):
            return _substitute(self.template, values, raw, json_template=False)
        out = _substitute(self.template, values, raw, json_template=True)
        try:
            json.loads(out)
        except ValueError:
            raise TargetInputError("the transformed input is not valid JSON") from None
        return out


def parse_input_transformer(paths: Mapping[str, str], template: str) -> InputTransformer:
    if len(paths) > MAX_PATHS:
        raise TargetInputError(f"InputPathsMap can have at most {MAX_PATHS} entries")
    for key, path in paths.items():
        if not KEY.fullmatch(key) or key in PREDEFINED:
            raise TargetInputError(f"InputPathsMap key {key!r} is not a valid variable name")
        parse_path(path)
    if not 1 <= len(template) <= MAX_TEMPLATE:
        raise TargetInputError(f"InputTemplate must be 1 to {MAX_TEMPLATE} characters")
    for name in PLACEHOLDER.findall(template):
        if name not in paths and name not in PREDEFINED:
            raise TargetInputError(
                f"InputTemplate contains invalid placeholder {name}.", placeholder=name
            )
    return InputTransformer(dict(paths), template)


def _event_without_detail(event: Mapping[str, Any]) -> dict[str, Any]:
    keys = [k for k in _EVENT_ORDER if k in event]
    keys += [k for k in event if k not in _EVENT_ORDER and k != "detail"]
    return {("detailType" if k == "detail-type" else k): event[k] for k in keys}


def _substitute(
    template: str, values: Mapping[str, Any], raw: Mapping[str, str], json_template: bool
) -> str:
    out: list[str] = []
    pos = 0
    in_string = False
    for match in PLACEHOLDER.finditer(template):
        before = template[pos : match.start()]
        in_string = _after(before, in_string)
        out.append(before)
        name = match.group(1)
        if name in raw:
            out.append(raw[name])
        elif name not in values:
            out.append(match.group(0))  # not a placeholder of ours: kept as written
        elif json_template and not in_string:
            value = values[name]
            out.append('""' if value is MISSING else json.dumps(value))
        elif json_template:
            out.append(_in_json_string(values[name]))
        else:
            out.append(_bare(values[name]))
        pos = match.end()
    out.append(template[pos:])
    return "".join(out)


def _after(text: str, in_string: bool) -> bool:
    """Whether a JSON string is open after `text`, given whether one was open before."""
    escaped = False
    for ch in text:
        if escaped:
            escaped = False
        elif ch == "\\" and in_string:
            escaped = True
        elif ch == '"':
            in_string = not in_string
    return in_string


def _escape(text: str) -> str:
    return json.dumps(text)[1:-1]


def _in_json_string(value: Any) -> str:
    if value is MISSING:
        return ""
    if isinstance(value, str):
        return _escape(value)
    return json.dumps(value)  # an object or list here breaks the JSON: AWS delivers nothing


def _bare(value: Any) -> str:
    if value is MISSING:
        return ""
    if isinstance(value, str):
        return _escape(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{_escape(str(k))}:{_bare(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_bare(v) for v in value) + "]"
    return json.dumps(value)
