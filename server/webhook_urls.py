"""SSRF defence for webhook receivers: where Slice may send a POST on a user's behalf.

Checked twice: when the hook is created (with the original's messages) and at every delivery,
where the resolver the delivery client connects through drops internal addresses, so a name that
resolves to a public address at creation and to 127.0.0.1 later (DNS rebinding) is still refused.
"""
from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

from store.errors import InvalidInput

URL_MAX = 500
METADATA = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})
CARRIER_NAT = ipaddress.ip_network("100.64.0.0/10")
INTERNAL_SUFFIXES = (".local", ".internal", ".localhost")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedAddress(OSError):
    """Raised by the delivery resolver; an OSError so aiohttp reports it as a connection failure."""


def is_internal(ip: IPAddress, *, allow_private: bool) -> bool:
    """Metadata endpoints are refused even in development: nothing legitimate listens there."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in METADATA:
        return True
    if allow_private:
        return False
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or (isinstance(ip, ipaddress.IPv4Address) and ip in CARRIER_NAT)
            or (isinstance(ip, ipaddress.IPv6Address) and ip.sixtofour is not None
                and is_internal(ip.sixtofour, allow_private=False)))


def literal_ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def parse(raw: object) -> URL:
    """Shape checks, in the original's order: present, parses, not internal by name, http(s)."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidInput("url required", code="url_required")
    if len(raw) > URL_MAX:
        raise InvalidInput(f"url too long (max {URL_MAX} characters)", code="too_long")
    try:
        url = URL(raw.strip())
    except ValueError:
        raise InvalidInput("Invalid URL", code="invalid_url") from None
    if not url.is_absolute() or not url.host or not url.scheme:
        raise InvalidInput("Invalid URL", code="invalid_url")
    if url.user is not None or url.password is not None:
        raise InvalidInput("Invalid URL", code="invalid_url")  # credentials in a URL end up in logs
    return url


async def check_receiver(raw: object, *, allow_private: bool) -> str:
    """The URL to store, or a 400 with the original's message."""
    url = parse(raw)
    host = (url.host or "").lower().rstrip(".")
    ip = literal_ip(host)
    if ip is not None and is_internal(ip, allow_private=allow_private):
        raise _private()
    if ip is None and not allow_private and (host == "localhost" or host.endswith(INTERNAL_SUFFIXES)):
        raise _private()
    if url.scheme not in ("http", "https"):
        raise InvalidInput("Webhook URL must use http or https", code="invalid_scheme")
    if ip is None:
        addresses = await resolve(host, url.port or 443)
        if not addresses:
            raise InvalidInput("Webhook URL host does not resolve", code="unresolvable_url")
        if any(is_internal(a, allow_private=allow_private) for a in addresses):
            raise InvalidInput("Webhook URL resolves to a private/internal address", code="private_url")
    return str(url)


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every A and AAAA record; a name that does not resolve gives an empty list."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    found = []
    for info in infos:
        ip = literal_ip(str(info[4][0]).split("%", 1)[0])
        if ip is not None:
            found.append(ip)
    return found


def _private() -> InvalidInput:
    return InvalidInput("Webhook URL must not point to private/internal addresses", code="private_url")


class GuardedResolver(AbstractResolver):
    """The delivery client's resolver: refuses a host if any of its addresses is internal.

    aiohttp bypasses the resolver for IP literals, so the worker checks those itself
    (``is_internal`` on ``literal_ip``) before it connects.
    """

    def __init__(self, *, allow_private: bool) -> None:
        self.allow_private = allow_private
        self.inner = DefaultResolver()

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        results = await self.inner.resolve(host, port, family)
        for result in results:
            ip = literal_ip(result["host"])
            if ip is None or is_internal(ip, allow_private=self.allow_private):
                raise BlockedAddress(f"{host} resolves to a blocked address")
        return results

    async def close(self) -> None:
        await self.inner.close()


def blocked_cause(exc: BaseException) -> bool:
    """Whether a client error came from the guard (aiohttp wraps resolver errors)."""
    seen: Any = exc
    while seen is not None:
        if isinstance(seen, BlockedAddress) or isinstance(getattr(seen, "os_error", None), BlockedAddress):
            return True
        seen = seen.__cause__
    return False
