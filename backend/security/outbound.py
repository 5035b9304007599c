"""Requests to addresses that users type in (webhooks): https to public internet addresses only.

A webhook address is checked when it is saved and again at every delivery: its host is resolved,
every address it resolves to must be public (no loopback, private, link-local, cloud metadata,
carrier-grade NAT, multicast or reserved range, IPv4 inside IPv6 included), and the request goes to
the address that was checked, the host name kept for the ``Host`` header and TLS, so a name that
resolves to a public address at one moment and to ``127.0.0.1`` the next cannot reach inside.
Redirects are not followed. ``DOMICARE_WEBHOOK_ALLOW_PRIVATE`` lifts the rule (and allows plain
http) for tests and lab networks; never in production.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import SplitResult, urlsplit

import httpx

PUBLIC_ONLY = "a webhook must be an https:// address on the public internet"
LOCAL_NAMES = ("localhost", ".localhost", ".local", ".internal", ".intranet", ".lan", ".home.arpa")
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


NAT64 = ipaddress.ip_network("64:ff9b::/96")


class TargetRefused(ValueError):
    """An address the server must not send to: not https, or not on the public internet."""


class Unresolvable(TargetRefused):
    """The host name does not resolve (now)."""


def is_public(address: Address) -> bool:
    """Whether an IP address is on the public internet (``ipaddress``'s IANA special-purpose registries).

    An IPv4 address carried inside IPv6 (mapped, 6to4, Teredo, NAT64) is judged as itself.
    """
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if embedded is None and address in NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public(embedded)
    return address.is_global and not address.is_multicast


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def checked_url(url: str, allow_private: bool = False) -> SplitResult:
    """The parts of a webhook URL that passes the checks possible without resolving it; else :class:`TargetRefused`."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(f"{PUBLIC_ONLY} ({exc})") from None
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise TargetRefused(PUBLIC_ONLY)
    if parts.username is not None or parts.password is not None:
        raise TargetRefused(f"{PUBLIC_ONLY}, without a user name or password in it")
    if port == 0:
        raise TargetRefused(PUBLIC_ONLY)
    if not allow_private:
        host = parts.hostname.lower().rstrip(".")
        literal = _literal(host)
        if (literal is not None and not is_public(literal)) or host.endswith(LOCAL_NAMES) or host in ("localhost",):
            raise TargetRefused(PUBLIC_ONLY)
        if literal is None and "." not in host:
            raise TargetRefused(f"{PUBLIC_ONLY} (a full domain name)")
    return parts


async def resolve(parts: SplitResult, allow_private: bool = False) -> list[Address]:
    """Every address the URL's host resolves to, all public unless allowed; :class:`TargetRefused` otherwise."""
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    literal = _literal(host)
    if literal is not None:
        found = [literal]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            raise Unresolvable("the webhook's host name could not be resolved") from None
        found = list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos))
    if not found:
        raise Unresolvable("the webhook's host name could not be resolved")
    if not allow_private and not all(is_public(address) for address in found):
        raise TargetRefused(PUBLIC_ONLY)
    return found


async def check_saved_address(url: str, allow_private: bool = False) -> None:
    """Refuse a webhook address when it is saved: its form, and where it resolves now if it resolves.

    A name that does not resolve yet is accepted (it is checked again at every delivery).
    """
    parts = checked_url(url, allow_private)
    try:
        await resolve(parts, allow_private)
    except Unresolvable:
        return


async def post_pinned(url: str, body: bytes, headers: dict[str, str], *, timeout: float,
                      allow_private: bool = False) -> httpx.Response:
    """POST to a checked webhook, connecting to the very address that was checked; redirects are not followed."""
    parts = checked_url(url, allow_private)
    address = (await resolve(parts, allow_private))[0]
    host = parts.hostname or ""
    ip_host = f"[{address}]" if address.version == 6 else str(address)
    netloc = f"{ip_host}:{parts.port}" if parts.port else ip_host
    pinned = parts._replace(netloc=netloc).geturl()
    host_header = f"{host}:{parts.port}" if parts.port else host
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        return await client.post(pinned, content=body, headers={**headers, "Host": host_header},
                                 extensions={"sni_hostname": host})
