"""Web apps deployed unchanged behind their Lambda adapters answer function URL requests:
FastAPI through Mangum, Flask through apig-wsgi (Python 3.11), Express through serverless-http
(Node.js 20). Each gets payload-format-2.0 events (GET/POST, query strings, cookies, binary
bodies, a redirect, an unknown path) and its answer is checked as the client gets it, down to
the headers and cookies each framework writes. The packages come from PyPI and npm once
(tests/support/web_packages.py); FastAPI's pydantic-core is native code loaded in the sandbox.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.support.function_urls import public_url
from tests.support.server import RunningServer, running_server
from tests.support.url_payload import Answer, UrlCall, answer, url_event
from tests.support.web_packages import APPS, EXPRESS, FASTAPI, FLASK, WebApp, package

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4  # every byte value; not UTF-8
BLOB = random.Random(20).randbytes(300_000)


@dataclass(frozen=True)
class Framework:
    """What each framework answers, exactly as it writes it."""

    json_type: str
    json_newline: bool  # Flask ends its JSON with a newline
    set_cookies: tuple[str, str]
    redirect: tuple[str | None, bytes]  # content type, body
    not_found: tuple[str, bytes]


FRAMEWORKS: Mapping[str, Framework] = {
    FASTAPI.name: Framework(
        json_type="application/json",
        json_newline=False,
        set_cookies=(
            "flavour=oatmeal; Path=/; SameSite=lax",
            "session=abc123; HttpOnly; Path=/; SameSite=lax",
        ),
        # Mangum types every answer with a body as JSON, an empty one included.
        redirect=("application/json", b""),
        not_found=("application/json", b'{"detail":"Not Found"}'),
    ),
    FLASK.name: Framework(
        json_type="application/json",
        json_newline=True,
        set_cookies=("flavour=oatmeal; Path=/", "session=abc123; HttpOnly; Path=/"),
        redirect=(
            "text/html; charset=utf-8",
            b"<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n"
            b"<h1>Redirecting...</h1>\n<p>You should be redirected automatically to the target"
            b' URL: <a href="/hello?name=redirected">/hello?name=redirected</a>. If not, click'
            b" the link.\n",
        ),
        not_found=(
            "text/html; charset=utf-8",
            b"<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
            b"<p>The requested URL was not found on the server. If you entered the URL manually"
            b" please check your spelling and try again.</p>\n",
        ),
    ),
    EXPRESS.name: Framework(
        json_type="application/json; charset=utf-8",
        json_newline=False,
        set_cookies=("flavour=oatmeal; Path=/", "session=abc123; Path=/; HttpOnly"),
        redirect=("text/plain; charset=utf-8", b"Found. Redirecting to /hello?name=redirected"),
        not_found=(
            "text/html; charset=utf-8",
            b'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            b"<title>Error</title>\n</head>\n<body>\n<pre>Cannot GET /nope</pre>\n</body>\n"
            b"</html>\n",
        ),
    ),
}


DOMAIN = "functions.stockade.test"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server that serves function URLs by host name (its certificate names the wildcard):
    apps see the paths they were written for, so their redirects work unchanged."""
    data_dir = tmp_path_factory.mktemp("web") / "data"
    with running_server(data_dir, "--function-url-domain", DOMAIN) as running:
        yield running


@pytest.fixture(scope="module")
def functions(server: RunningServer) -> dict[str, str]:
    """One public function URL per app whose package could be built (Express needs npm)."""
    lam = server.client("lambda")
    created: dict[str, str] = {}
    for app in APPS:
        code = package(app)
        if code is None:
            continue
        name = f"web-{app.name}-{uuid.uuid4().hex[:8]}"
        lam.create_function(
            FunctionName=name, Runtime=app.runtime, Handler=app.handler, Code={"ZipFile": code},
            Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
            MemorySize=256, Timeout=15,
        )  # fmt: skip
        created[app.name] = name
    urls: dict[str, str] = {}
    for app_name, name in created.items():
        lam.get_waiter("function_active_v2").wait(FunctionName=name)
        urls[app_name] = public_url(server, name)
    return urls


@pytest.fixture(params=APPS, ids=[app.name for app in APPS])
def app(request: pytest.FixtureRequest, functions: dict[str, str]) -> WebApp:
    chosen: WebApp = request.param
    if chosen.name not in functions:
        pytest.skip(f"{chosen.name}: node and npm are needed to build its package")
    return chosen


Ask = Callable[[UrlCall], Answer]


@pytest.fixture
def ask(server: RunningServer, functions: dict[str, str], app: WebApp) -> Ask:
    """Sends one request to the app's function URL."""
    return lambda event: answer(server, functions[app.name], event)


def assert_json(got: Answer, framework: Framework, expected: object) -> None:
    assert got.status == 200
    assert got.headers["content-type"] == framework.json_type
    assert got.headers["content-length"] == str(len(got.body))
    assert got.body.endswith(b"}\n") is framework.json_newline
    assert got.json() == expected


def test_a_get_reads_its_query_string(ask: Ask, app: WebApp) -> None:
    query = [("name", "Zoë & co"), ("tag", "a"), ("tag", "b,c")]
    got = ask(url_event("GET", "/hello", query))
    assert_json(
        got,
        FRAMEWORKS[app.name],
        {
            "framework": app.name,
            "name": "Zoë & co",
            "query": {"name": ["Zoë & co"], "tag": ["a", "b,c"]},
        },
    )


@pytest.mark.parametrize(
    ("content_type", "body"),
    [("image/png", PNG), ("application/octet-stream", BLOB)],
    ids=["png", "octet-stream"],
)
def test_a_binary_post_comes_back_byte_for_byte(ask: Ask, content_type: str, body: bytes) -> None:
    got = ask(url_event("POST", "/echo", headers={"content-type": content_type}, body=body))
    assert got.status == 200
    assert got.headers["content-type"] == content_type
    assert got.body == body


def test_a_text_post_comes_back_as_text(ask: Ask, app: WebApp) -> None:
    body = '{"note": "naïve café", "n": [1, 2]}'.encode()
    headers = {"content-type": "application/json"}
    got = ask(url_event("POST", "/echo", [("dry", "1")], headers, body=body))
    assert got.status == 200
    assert got.headers["content-type"] == FRAMEWORKS[app.name].json_type
    assert got.body == body


def test_cookies_arrive_and_are_set(ask: Ask, app: WebApp) -> None:
    got = ask(url_event("GET", "/cookies", cookies=["session=old", "theme=dark"]))
    assert_json(got, FRAMEWORKS[app.name], {"received": {"session": "old", "theme": "dark"}})
    assert got.cookies == FRAMEWORKS[app.name].set_cookies


def test_a_single_cookie_is_set(ask: Ask, app: WebApp) -> None:
    got = ask(url_event("GET", "/one-cookie"))
    assert_json(got, FRAMEWORKS[app.name], {"set": 1})
    assert got.cookies == FRAMEWORKS[app.name].set_cookies[:1]


def test_a_redirect_leads_to_a_working_page(ask: Ask, app: WebApp) -> None:
    got = ask(url_event("GET", "/go"))
    content_type, body = FRAMEWORKS[app.name].redirect
    assert got.status == 302
    assert got.headers["location"] == "/hello?name=redirected"
    assert got.headers.get("content-type") == content_type
    assert got.body == body
    target = urlsplit(got.headers["location"])
    followed = ask(url_event("GET", target.path, parse_qsl(target.query)))
    assert followed.json()["name"] == "redirected"


def test_an_unknown_path_is_the_frameworks_404(ask: Ask, app: WebApp) -> None:
    got = ask(url_event("GET", "/nope"))
    content_type, body = FRAMEWORKS[app.name].not_found
    assert got.status == 404
    assert got.headers["content-type"] == content_type
    assert got.body == body
