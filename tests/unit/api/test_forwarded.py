from __future__ import annotations

import pytest

from stockade.api.forwarded import Client, TrustedProxies, resolve

PROXY = TrustedProxies.parse(["10.0.0.0/8", "2001:db8::/32"])


def headers(**named: str) -> list[tuple[bytes, bytes]]:
    return [(k.replace("_", "-").encode(), v.encode()) for k, v in named.items()]


def test_an_untrusted_peer_is_the_client_whatever_it_claims() -> None:
    claims = headers(x_forwarded_for="203.0.113.7", x_forwarded_proto="https",
                     forwarded="for=198.51.100.1;proto=https")  # fmt: skip
    assert resolve("192.0.2.10", "http", claims, PROXY) == Client("192.0.2.10", "http")


def test_no_trusted_proxies_means_the_socket_decides() -> None:
    claims = headers(x_forwarded_for="203.0.113.7")
    assert resolve("10.1.2.3", "https", claims, TrustedProxies()) == Client("10.1.2.3", "https")


def test_a_trusted_proxy_names_the_client_and_its_scheme() -> None:
    claims = headers(x_forwarded_for="203.0.113.7", x_forwarded_proto="https")
    assert resolve("10.1.2.3", "http", claims, PROXY) == Client("203.0.113.7", "https")


def test_an_address_the_client_prepended_is_not_believed() -> None:
    # The client sent "X-Forwarded-For: 1.1.1.1"; the proxy appended the address it saw.
    claims = headers(x_forwarded_for="1.1.1.1, 203.0.113.7", x_forwarded_proto="http")
    assert resolve("10.1.2.3", "https", claims, PROXY) == Client("203.0.113.7", "http")


def test_a_chain_of_trusted_proxies_is_walked_to_the_first_untrusted_hop() -> None:
    claims = headers(x_forwarded_for="203.0.113.7, 10.9.9.9")
    assert resolve("10.1.2.3", "https", claims, PROXY).ip == "203.0.113.7"


def test_rfc7239_forwarded_with_ports_brackets_and_quotes() -> None:
    claims = headers(forwarded='for=1.1.1.1, for="[2600:1f18::17]:4711";proto=https')
    assert resolve("10.1.2.3", "http", claims, PROXY) == Client("2600:1f18::17", "https")
    claims = headers(forwarded="for=203.0.113.7:5000;proto=http;by=10.1.2.3")
    assert resolve("10.1.2.3", "https", claims, PROXY) == Client("203.0.113.7", "http")


@pytest.mark.parametrize("garbage", ["unknown", "", "not-an-address", "_hidden"])
def test_garbage_where_an_address_belongs_stops_at_the_hop_that_passed_it(garbage: str) -> None:
    claims = headers(x_forwarded_for=f"{garbage}, 10.9.9.9")
    assert resolve("10.1.2.3", "https", claims, PROXY).ip == "10.9.9.9"
    claims = headers(x_forwarded_for=garbage)
    assert resolve("10.1.2.3", "https", claims, PROXY).ip == "10.1.2.3"


def test_an_unknown_scheme_keeps_the_sockets() -> None:
    claims = headers(x_forwarded_for="203.0.113.7", x_forwarded_proto="gopher")
    assert resolve("10.1.2.3", "https", claims, PROXY).scheme == "https"


def test_ipv4_mapped_peers_and_hops_are_ipv4() -> None:
    claims = headers(x_forwarded_for="::ffff:203.0.113.7")
    assert resolve("10.1.2.3", "https", claims, PROXY).ip == "203.0.113.7"
    assert TrustedProxies.parse(["10.0.0.0/8"]).trusts("::ffff:10.0.0.1")


def test_a_bad_cidr_is_named() -> None:
    with pytest.raises(ValueError, match=r"10\.0\.0\.0/33"):
        TrustedProxies.parse(["10.0.0.0/33"])
