"""The client's address, the one place it is worked out: X-Forwarded-For is believed only from
the proxies TOWNHALL_TRUSTED_PROXIES names, never by default (uvicorn's default believes loopback)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
PEER_KEY = "townhall.peer"  # the scope keeps the address that connected, for logs


def parse_trusted_proxies(entries: Iterable[str]) -> tuple[Network, ...]:
    """Addresses and CIDR blocks ("10.0.0.5", "10.0.0.0/8", "2001:db8::/32"); ValueError names a bad one."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is neither an IP address nor a CIDR block") from None
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:443"
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class TrustedProxies:
    networks: tuple[Network, ...] = ()

    def trusts(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.networks)

    def client_of(self, peer: str | None, forwarded_for: Iterable[str]) -> str | None:
        """The client: `peer` itself unless it is a trusted proxy; then, walking X-Forwarded-For
        from the right (each proxy appends the address it saw), the first hop not trusted.

        Hops left of an untrusted one are whatever the client wrote, so they are never read.
        """
        peer_address = _address(peer or "")
        if peer_address is None or not self.trusts(peer_address):
            return peer
        hops = [hop for header in forwarded_for for hop in header.split(",") if hop.strip()]
        client = str(peer_address)
        for hop in reversed(hops):
            address = _address(hop)
            if address is None:
                break  # garbage from a proxy we trust is not an address: keep the last good hop
            client = str(address)
            if not self.trusts(address):
                break
        return client


class ClientAddress:
    """Sets the scope's client to the address computed by TrustedProxies, for HTTP and websockets,
    so every reader of it (rate limits, websocket limits, logs) sees the same one."""

    def __init__(self, app: ASGIApp, proxies: TrustedProxies) -> None:
        self.app = app
        self.proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.proxies.networks:
            peer = scope.get("client")
            forwarded = [
                value.decode("latin-1")
                for name, value in scope.get("headers") or []
                if name == b"x-forwarded-for"
            ]
            host = self.proxies.client_of(peer[0] if peer else None, forwarded)
            if peer is not None and host != peer[0]:
                scope = {**scope, "client": (host, 0), PEER_KEY: peer}
        await self.app(scope, receive, send)
