"""Where a webhook may point: an https address on the public internet, and nowhere else.

A webhook is a request our server makes to an address a person typed, so it must never become a
way into our own network (SSRF): the host is resolved and every address it gives must be public;
loopback, private, shared (CGNAT), link-local (cloud metadata), multicast, reserved and unspecified
addresses are refused, IPv6 ones included, and IPv4 ones inside IPv6 (mapped, 6to4, Teredo, NAT64)
are judged by the IPv4 address they carry. This is checked when the address is saved and again
right before every request, which then connects to exactly the address that was checked (DNS may
answer differently the second time). WEBHOOKS_ALLOW_PRIVATE_ADDRESSES (tests, a local setup) lets
private addresses and plain http through.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from .models import URL_MAX

# What stays as written in a path and query: ASCII's reserved characters, and "%" so that an
# address already percent-encoded is not encoded twice.
_PATH_SAFE = "/?&=%:@!$'()*+,;~-._[]"

# 64:ff9b::/96 carries an IPv4 address for a NAT64 gateway to reach.
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class AddressError(Exception):
    """The address cannot be used; the message says why, for a person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class AddressRefused(AddressError):
    """Not an address a webhook may have (scheme, form, or where it points): that will not change
    by trying again."""


class AddressUnresolved(AddressError):
    """The host name has no address now (DNS): may be passing."""


@dataclass(frozen=True)
class Target:
    """A checked address: connect to one of `addresses` (never resolve `host` again)."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public(address: str) -> bool:
    """Whether an IP address (as getaddrinfo gives it) is on the public internet."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone ("%eth0") aside
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None and not is_public(str(embedded)):
            return False
        if ip.is_site_local:
            return False
    if (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    ):
        return False
    return ip.is_global


def parse(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of a webhook address, or AddressRefused saying what is wrong."""
    url = (url or "").strip()
    if not url:
        raise AddressRefused(_("Please give the address that should receive the events."))
    if len(url) > URL_MAX:
        raise AddressRefused(
            _("That address is too long (at most %(max)d characters).") % {"max": URL_MAX}
        )
    if any(ord(char) < 33 or ord(char) == 127 for char in url):
        raise AddressRefused(_("An address cannot contain spaces or control characters."))
    allow_private = settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise AddressRefused(_("That does not look like a web address. Please check it.")) from None
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and allow_private):
        raise AddressRefused(_("Please use an address that starts with https://."))
    if "@" in parts.netloc:
        raise AddressRefused(
            _(
                "Please leave the user name and password out of the address: the receiver "
                "checks the signature instead."
            )
        )
    host = parts.hostname or ""
    if not host:
        raise AddressRefused(_("That address has no host name. Please check it."))
    try:
        host.encode("idna")
    except UnicodeError:
        raise AddressRefused(_("That host name is not valid. Please check it.")) from None
    # Sent as written, with any letter outside ASCII percent-encoded as browsers do (HTTP
    # carries ASCII only: 「https://example.jp/フック」 goes to /%E3%83%95%E3%83%83%E3%82%AF).
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        path = f"{path}?{quote(parts.query, safe=_PATH_SAFE)}"
    return scheme, host, port or (443 if scheme == "https" else 80), path


def check(url: str) -> Target:
    """The address, parsed, resolved and checked: AddressRefused or AddressUnresolved otherwise."""
    scheme, host, port, path = parse(url)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise AddressUnresolved(
            _("We could not find the host “%(host)s”. Please check the address.") % {"host": host}
        ) from None
    addresses = tuple(dict.fromkeys(info[4][0] for info in found))
    if not addresses:
        raise AddressUnresolved(
            _("We could not find the host “%(host)s”. Please check the address.") % {"host": host}
        )
    if not settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES:
        for address in addresses:
            if not is_public(address):
                raise AddressRefused(
                    _(
                        "This address leads to a local or private network (%(address)s). "
                        "Webhooks only go to addresses on the public internet."
                    )
                    % {"address": address}
                )
    return Target(scheme=scheme, host=host, port=port, path=path, addresses=addresses)
