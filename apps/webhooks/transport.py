"""Sending a webhook without being a way into the private network (SSRF).

A delivery may reach only public addresses: loopback, private, link-local (cloud metadata
included), unspecified, multicast, reserved and other non-global addresses are refused
unless a network in LABELFORGE_WEBHOOK_ALLOWED_NETWORKS (CIDRs, default none) holds them.
The check is made on the addresses the connection itself resolves and then uses: the
socket connects to the checked IP (TLS still verifies and sends SNI for the URL's host, and
`Host` is the URL's), so DNS that answers differently on a second lookup changes nothing.
Redirects are never followed, and no HTTP(S)_PROXY is used."""

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
ALLOW_SETTING = "LABELFORGE_WEBHOOK_ALLOWED_NETWORKS"
METADATA = {
    ipaddress.ip_address("169.254.169.254"): "a cloud metadata address",
    ipaddress.ip_address("fd00:ec2::254"): "a cloud metadata address",
    ipaddress.ip_address("100.100.100.200"): "a cloud metadata address",  # Alibaba Cloud
}
NAT64 = ipaddress.ip_network("64:ff9b::/96")
MAX_RESPONSE_BYTES = 64 * 1024


class AddressRefused(Exception):
    """The URL's host is, or resolves to, an address webhooks may not reach."""


class SendFailed(Exception):
    """The request could not be sent or answered (the message says why)."""


@dataclass(frozen=True)
class Reply:
    status: int
    reason: str
    location: str = ""


@cache
def _parse_networks(values: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    try:
        return tuple(ipaddress.ip_network(v.strip(), strict=False) for v in values)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{ALLOW_SETTING}: {exc} (expected CIDRs)") from exc


def allowed_networks() -> tuple[IPNetwork, ...]:
    return _parse_networks(tuple(getattr(settings, ALLOW_SETTING, ())))


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, NAT64), else None."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _kind(ip: IPAddress) -> str | None:
    if ip in METADATA:
        return METADATA[ip]
    checks = (("is_loopback", "a loopback address"), ("is_unspecified", "an unspecified address"),
              ("is_link_local", "a link-local address"), ("is_multicast", "a multicast address"),
              ("is_reserved", "a reserved address"), ("is_private", "a private address"))  # fmt: skip
    for attribute, kind in checks:
        if getattr(ip, attribute):
            return kind
    if not ip.is_global:
        return "not a public address"
    return None


def forbidden_kind(ip: IPAddress) -> str | None:
    """What kind of address `ip` is when webhooks may not reach it (None: they may), the
    allow-list considered."""
    candidates = [*filter(None, [_embedded_ipv4(ip)]), ip]  # the IPv4 one names the kind
    for network in allowed_networks():
        if any(c.version == network.version and c in network for c in candidates):
            return None
    for candidate in candidates:
        kind = _kind(candidate)
        if kind:
            return kind
    return None


def _refused(host: str, ip: IPAddress, kind: str) -> AddressRefused:
    what = f"{ip} is {kind}" if host == str(ip) else f"{host} resolves to {ip}, {kind}"
    return AddressRefused(f"{what}; webhooks may not reach it unless {ALLOW_SETTING} allows it")


def literal_address(host: str) -> IPAddress | None:
    """The address a URL host spells out, in any form the resolver accepts (`127.1`,
    `2130706433`, `0x7f.0.0.1`, `[::1]` without brackets), else None for a name."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def check_url_host(url: str) -> None:
    """Raise AddressRefused when the URL's host is a forbidden literal address or a name that
    always means loopback (`localhost`, `*.localhost`). Other names are checked on sending."""
    host = (urlsplit(url).hostname or "").rstrip(".")
    ip = literal_address(host)
    if ip is None and (host == "localhost" or host.endswith(".localhost")):
        ip = ipaddress.ip_address("127.0.0.1")
    kind = forbidden_kind(ip) if ip is not None else None
    if ip is not None and kind:
        raise _refused(host, ip, kind)


def resolve_checked(host: str, port: int) -> list[tuple[socket.AddressFamily, tuple]]:
    """Every address `host` resolves to, or AddressRefused if any of them is forbidden (an
    answer that mixes public and private addresses is refused as a whole)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise SendFailed(f"cannot resolve {host}: {exc.strerror}") from exc
    out = []
    for family, _type, _proto, _name, sockaddr in infos:
        ip = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        kind = forbidden_kind(ip)
        if kind:
            raise _refused(host, ip, kind)
        out.append((family, sockaddr))
    if not out:
        raise SendFailed(f"cannot resolve {host}: no addresses")
    return out


def _connect_checked(host: str, port: int, timeout: float | None) -> socket.socket:
    last: OSError | None = None
    for family, sockaddr in resolve_checked(host, port):
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            last = exc
    assert last is not None
    raise last


class CheckedHTTPConnection(http.client.HTTPConnection):
    """Connects only to an address that resolve_checked allowed."""

    def connect(self) -> None:
        self.sock = _connect_checked(self.host, self.port, self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class CheckedHTTPSConnection(http.client.HTTPSConnection):
    """The same over TLS: the certificate is verified for, and SNI names, the URL's host."""

    def connect(self) -> None:
        sock = _connect_checked(self.host, self.port, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Reply:
    """POST `body` to `url` once (no redirects followed). Raises AddressRefused for a
    forbidden address, SendFailed when it cannot send or read the answer."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    check_url_host(url)
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = CheckedHTTPSConnection(host, parts.port, timeout=timeout,
                                            context=tls_context())  # fmt: skip
    elif parts.scheme == "http":
        connection = CheckedHTTPConnection(host, parts.port, timeout=timeout)
    else:
        raise AddressRefused(f"{parts.scheme or 'no'} scheme: webhooks use http(s)")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)
        return Reply(response.status, response.reason, response.getheader("Location") or "")
    except (OSError, http.client.HTTPException) as exc:
        raise SendFailed(f"{type(exc).__name__}: {exc}") from exc
    finally:
        connection.close()
