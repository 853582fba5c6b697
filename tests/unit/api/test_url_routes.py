"""Function URL routing: by host name when a domain is configured, else by path prefix; and the
URL the API answers for each form (it must be the one the routes serve)."""

from __future__ import annotations

import urllib.parse

from hypothesis import given
from hypothesis import strategies as st

from stockade.api.url_routes import UrlRoute, UrlRoutes
from stockade.domain.function_url import UrlNaming, new_url_id

ID = "abcdefghijklmnopqrstuvwxyz012345"


def test_a_host_name_under_the_domain_names_the_url_and_keeps_the_whole_path() -> None:
    routes = UrlRoutes("us-east-1", "fn.example")
    host = f"{ID}.lambda-url.us-east-1.fn.example:8443"
    assert routes.match(host, "/a/b%20c") == UrlRoute(
        ID, "/a/b%20c", host.split(":", maxsplit=1)[0]
    )
    assert routes.match(host.upper(), "") == UrlRoute(ID, "/", host.split(":", maxsplit=1)[0])


def test_another_region_or_domain_is_not_a_host_route() -> None:
    routes = UrlRoutes("us-east-1", "fn.example")
    assert routes.match(f"{ID}.lambda-url.eu-west-1.fn.example", "/x") is None
    assert routes.match(f"{ID}.lambda-url.us-east-1.fn.example.evil", "/x") is None
    assert routes.match(f"{ID}x.lambda-url.us-east-1.fn.example", "/x") is None


def test_without_a_host_route_the_first_segment_is_the_url_id() -> None:
    routes = UrlRoutes("us-east-1", None)
    assert routes.match("localhost:9001", f"/{ID}/p/q") == UrlRoute(ID, "/p/q", "localhost")
    assert routes.match("localhost:9001", f"/{ID}") == UrlRoute(ID, "/", "localhost")
    assert routes.match("localhost", f"/{ID}/") == UrlRoute(ID, "/", "localhost")
    assert routes.match("localhost", f"/{ID}x/") is None
    assert routes.match("localhost", "/short/") is None
    assert routes.match("localhost", "/") is None
    assert routes.match("[::1]:9001", f"/{ID}/").domain_name == "[::1]"  # type: ignore[union-attr]


@given(st.sampled_from([None, "fn.example"]), st.integers(1, 65535), st.text(max_size=20))
def test_the_url_the_api_answers_routes_to_its_id(domain: str | None, port: int, tail: str) -> None:
    url_id = new_url_id()
    naming = UrlNaming(domain=domain, base=f"https://localhost:{port}", port=port)
    url = naming.url(url_id, "us-east-1")
    parts = urllib.parse.urlsplit(url)
    path = parts.path + urllib.parse.quote(tail)
    found = UrlRoutes("us-east-1", domain).match(parts.netloc, path)
    assert found is not None
    assert found.url_id == url_id
    assert found.raw_path == "/" + urllib.parse.quote(tail)


def test_the_url_forms() -> None:
    assert UrlNaming(domain="fn.example", port=443).url(ID, "r") == (
        f"https://{ID}.lambda-url.r.fn.example/"
    )
    assert UrlNaming(domain="fn.example", port=9001).url(ID, "r") == (
        f"https://{ID}.lambda-url.r.fn.example:9001/"
    )
    assert UrlNaming(base="http://h:9").url(ID, "r") == f"http://h:9/{ID}/"
    assert UrlNaming().url(ID, "r") == f"https://{ID}.lambda-url.r.on.aws/"
