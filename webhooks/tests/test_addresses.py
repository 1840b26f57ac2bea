"""Where a webhook may point: https on the public internet only, unless the setting for tests and
local setups says otherwise. Checked with IP literals, so no test needs the network."""

import pytest

from webhooks import addresses


@pytest.mark.parametrize(
    "address",
    [
        "93.184.216.34",
        "8.8.8.8",
        "2606:2800:220:1:248:1893:25c8:1946",
        "2001:4860:4860::8888",
    ],
)
def test_public_addresses_are_public(address):
    assert addresses.is_public(address)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",  # loopback
        "127.8.9.10",
        "10.1.2.3",  # private
        "172.16.0.1",
        "192.168.1.1",
        "100.64.0.1",  # shared address space (CGNAT)
        "169.254.169.254",  # link-local: cloud metadata
        "0.0.0.0",  # unspecified
        "224.0.0.1",  # multicast
        "240.0.0.1",  # reserved
        "255.255.255.255",
        "192.0.2.1",  # documentation
        "::1",
        "::",
        "fe80::1",
        "fe80::1%eth0",
        "fc00::1",  # unique local
        "fec0::1",  # site-local (deprecated)
        "ff02::1",  # multicast
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "2002:a00:1::",  # 6to4 of 10.0.0.1
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo, client 10.0.0.1
        "not an address",
    ],
)
def test_local_private_and_special_addresses_are_not(address):
    assert not addresses.is_public(address)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.5:8443/hook",
        "https://192.168.0.10/",
        "https://2130706433/",  # 127.0.0.1 as one number
        "https://0x7f.0.0.1/",
    ],
)
def test_addresses_leading_inside_are_refused_by_default(url):
    with pytest.raises(addresses.AddressError) as refused:
        addresses.check(url)
    assert "public internet" in refused.value.message or "could not find" in refused.value.message


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("", "Please give the address"),
        ("http://93.184.216.34/hook", "https://"),
        ("ftp://93.184.216.34/hook", "https://"),
        ("93.184.216.34/hook", "https://"),
        ("https://user:password@93.184.216.34/hook", "user name and password"),
        ("https://93.184.216.34:99999/hook", "does not look like a web address"),
        ("https://[::1/hook", "does not look like a web address"),
        ("https://exa mple.org/hook", "spaces"),
        ("https://example.org/\x00", "control characters"),
        ("https:///hook", "no host name"),
        ("https://" + "a" * 600 + ".org/", "too long"),
    ],
)
def test_an_address_of_the_wrong_form_is_refused_with_a_reason(url, says):
    with pytest.raises(addresses.AddressRefused) as refused:
        addresses.check(url)
    assert says in refused.value.message


def test_a_public_https_address_is_taken_with_its_path_and_query():
    target = addresses.check("https://93.184.216.34/hooks/incubator?source=community")

    assert target.scheme == "https"
    assert (target.host, target.port) == ("93.184.216.34", 443)
    assert target.path == "/hooks/incubator?source=community"
    assert target.addresses == ("93.184.216.34",)


def test_letters_outside_ascii_in_the_path_are_sent_percent_encoded():
    """HTTP carries ASCII only: such a path would stop every delivery at the send."""
    target = addresses.check("https://93.184.216.34/フック?名前=値&x=%E3%81%82")

    assert target.path == "/%E3%83%95%E3%83%83%E3%82%AF?%E5%90%8D%E5%89%8D=%E5%80%A4&x=%E3%81%82"
    target.path.encode("ascii")


def test_one_private_answer_among_public_ones_is_enough_to_refuse(monkeypatch):
    def getaddrinfo(host, port, *args, **kwargs):
        return [(2, 1, 6, "", ("93.184.216.34", port)), (2, 1, 6, "", ("10.0.0.9", port))]

    monkeypatch.setattr(addresses.socket, "getaddrinfo", getaddrinfo)

    with pytest.raises(addresses.AddressRefused) as refused:
        addresses.check("https://hooks.example.org/")
    assert "10.0.0.9" in refused.value.message


def test_the_setting_for_tests_lets_loopback_and_plain_http_through(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True

    target = addresses.check("http://127.0.0.1:8765/hook")

    assert (target.scheme, target.port, target.addresses) == ("http", 8765, ("127.0.0.1",))
    with pytest.raises(addresses.AddressRefused):
        addresses.check("ftp://127.0.0.1/")
