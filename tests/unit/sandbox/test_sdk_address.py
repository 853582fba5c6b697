from __future__ import annotations

import pytest

from stockade.sandbox.guest_env import GuestLayout, lambda_environment
from stockade.sandbox.sdk_address import GUEST_CA_FILE, SdkAddress
from tests.sandbox.support import make_spec, make_zip


def test_a_loopback_url_needs_no_change_to_the_guests_network() -> None:
    a = SdkAddress("https://127.0.0.1:9443", ca_pem="PEM")
    assert (a.host, a.port, a.endpoint) == ("127.0.0.1", 9443, "https://127.0.0.1:9443")
    assert a.loopback_addresses() == []
    assert a.etc_files() == {"stockade-ca.pem": "PEM"}
    assert a.ca_file == GUEST_CA_FILE


def test_another_ipv4_address_joins_the_guests_loopback() -> None:
    assert SdkAddress("https://10.1.2.3:9000").loopback_addresses() == ["10.1.2.3"]
    assert SdkAddress("https://0.0.0.0:9000").loopback_addresses() == []


def test_a_host_name_resolves_to_loopback_in_the_guest() -> None:
    a = SdkAddress("https://stockade.bank.internal:443/")
    assert a.etc_files() == {"hosts": "127.0.0.1\tstockade.bank.internal\n"}
    assert a.endpoint == "https://stockade.bank.internal:443"
    assert a.ca_file is None
    assert SdkAddress("https://localhost:9000").etc_files() == {}


@pytest.mark.parametrize(
    "url",
    ["https://[::1]:9000", "ftp://h:1", "https://h", "https://bad_name:9000", "https://a b:9"],
)
def test_addresses_the_channel_cannot_serve_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match=r"SDK|host"):
        SdkAddress(url)


def test_the_ca_key_material_is_not_in_the_repr() -> None:
    assert "SECRET-LOOKING" not in repr(SdkAddress("https://h:1", ca_pem="SECRET-LOOKING"))


def test_the_guest_trusts_the_ca_through_each_toolkits_variable() -> None:
    env = lambda_environment(
        make_spec(make_zip({"app.py": ""})),
        "stream",
        GuestLayout(sdk_endpoint="https://h:1", sdk_ca_file=GUEST_CA_FILE),
    )
    assert env["AWS_ENDPOINT_URL"] == "https://h:1"
    assert {env[k] for k in ("AWS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE")} == {
        GUEST_CA_FILE
    }


def test_a_server_on_ipv6_is_reached_as_localhost_in_the_guest() -> None:
    assert SdkAddress.for_server("https://[::1]:9000", None).endpoint == "https://localhost:9000"
    assert SdkAddress.for_server("https://10.0.0.1:9", None).endpoint == "https://10.0.0.1:9"
