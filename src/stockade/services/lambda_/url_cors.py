"""CORS as a function URL applies it: preflights answered by Lambda, headers added to answers.

[guide] Lambda developer guide, "Creating and managing Lambda function URLs", Cross-origin
resource sharing: each Cors property maps to one header (AllowOrigins to
Access-Control-Allow-Origin, AllowMethods to -Allow-Methods, AllowHeaders to -Allow-Headers,
ExposeHeaders to -Expose-Headers, AllowCredentials to -Allow-Credentials, MaxAge to -Max-Age);
"Lambda automatically adds the CORS headers to all responses through the function URL"; "If
there are conflicting headers, the configured CORS headers on the function URL take
precedence". [issue] the platform answers a preflight without invoking the function.

Not documented, and chosen here as the CORS standard (Fetch) and API Gateway's HTTP APIs (the
same payload design) behave: only a URL with Cors configured answers preflights (an OPTIONS
request with Origin and Access-Control-Request-Method); without Cors the OPTIONS request goes
to the function. A preflight is answered 200 with an empty body. An origin that is not allowed
gets no CORS headers (the browser then refuses), on a preflight as on any answer. Origins
match case-insensitively; a listed "*" allows any origin and is answered as "*". A specific
origin is echoed with `Vary: Origin`, so a cache keeps one answer per origin.
"""

from __future__ import annotations

from collections.abc import Mapping

from stockade.domain.function_url import UrlCors
from stockade.services.lambda_.url_response import UrlResponse

ALLOW_ORIGIN = "Access-Control-Allow-Origin"
ALLOW_METHODS = "Access-Control-Allow-Methods"
ALLOW_HEADERS = "Access-Control-Allow-Headers"
EXPOSE_HEADERS = "Access-Control-Expose-Headers"
ALLOW_CREDENTIALS = "Access-Control-Allow-Credentials"
MAX_AGE = "Access-Control-Max-Age"
CORS_HEADERS = frozenset(
    name.lower()
    for name in (
        ALLOW_ORIGIN,
        ALLOW_METHODS,
        ALLOW_HEADERS,
        EXPOSE_HEADERS,
        ALLOW_CREDENTIALS,
        MAX_AGE,
    )
)


def preflight(cors: UrlCors | None, method: str, headers: Mapping[str, str]) -> UrlResponse | None:
    """Lambda's own answer to a preflight, or None: the request goes to the function.
    `headers` are the request's, names lower-cased."""
    if cors is None or method.upper() != "OPTIONS":
        return None
    if "origin" not in headers or "access-control-request-method" not in headers:
        return None
    lines = list(_origin_headers(cors, headers["origin"]))
    if lines:
        if cors.allow_methods:
            lines.append((ALLOW_METHODS, ",".join(cors.allow_methods)))
        if cors.allow_headers:
            lines.append((ALLOW_HEADERS, ",".join(cors.allow_headers)))
        if cors.max_age is not None:
            lines.append((MAX_AGE, str(cors.max_age)))
    return UrlResponse(200, tuple(lines), b"")


def response_headers(
    cors: UrlCors | None, headers: Mapping[str, str]
) -> tuple[tuple[str, str], ...]:
    """The CORS headers Lambda adds to an answer for a request with these (lower-cased)
    headers."""
    if cors is None:
        return ()
    lines = list(_origin_headers(cors, headers.get("origin")))
    if lines and cors.expose_headers:
        lines.append((EXPOSE_HEADERS, ",".join(cors.expose_headers)))
    return tuple(lines)


def with_cors(response: UrlResponse, added: tuple[tuple[str, str], ...]) -> UrlResponse:
    """`response` with `added` appended; the function's own headers of those names are
    dropped (the configured ones take precedence [guide]). Vary is merged, not replaced."""
    if not added:
        return response
    replaced = {name.lower() for name, _ in added} - {"vary"}
    kept = [(n, v) for n, v in response.headers if n.lower() not in replaced]
    if any(name.lower() == "vary" for name, _ in added):
        kept = _vary_origin(kept)
    kept.extend((n, v) for n, v in added if n.lower() != "vary")
    return UrlResponse(response.status, tuple(kept), response.body)


def _vary_origin(lines: list[tuple[str, str]]) -> list[tuple[str, str]]:
    for index, (name, value) in enumerate(lines):
        if name.lower() == "vary":
            tokens = {token.strip().lower() for token in value.split(",")}
            if tokens & {"origin", "*"}:
                return lines
            merged = f"{value}, Origin" if value.strip() else "Origin"
            return [*lines[:index], (name, merged), *lines[index + 1 :]]
    return [*lines, ("Vary", "Origin")]


def _origin_headers(cors: UrlCors, origin: str | None) -> list[tuple[str, str]]:
    allowed = cors.allow_origins or ()
    if "*" in allowed:
        lines = [(ALLOW_ORIGIN, "*")]
    elif origin is not None and origin.lower() in {o.lower() for o in allowed}:
        lines = [(ALLOW_ORIGIN, origin), ("Vary", "Origin")]
    else:
        return []
    if cors.allow_credentials:
        lines.append((ALLOW_CREDENTIALS, "true"))
    return lines
