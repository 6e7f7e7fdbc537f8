"""The fetcher's network guard: which addresses may be contacted, checked where the socket is opened.

The check runs inside httpcore's network backend, after DNS resolution and on every connection (so on
every redirect hop), and the socket then goes to the very address that was checked: a name that
resolves to a public address for the check and a private one for the connection (DNS rebinding) cannot
slip through. The same streams enforce the fetch's total deadline on every read and write, so a server
that drips a byte a second (even inside its headers) is cut off on time.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterable
from typing import Any

import certifi
import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class RefusedAddress(httpcore.ConnectError):
    """Raised instead of connecting to an address the policy refuses."""


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside an IPv4-mapped, 6to4 or NAT64 IPv6 address."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def why_refused(address: IPAddress) -> str | None:
    """None for a public unicast address; otherwise what the address is (loopback, private, ...)."""
    inner = embedded_ipv4(address)
    if inner is not None:
        reason = why_refused(inner)
        return f"{reason} (inside {address})" if reason else None
    for kind in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(address, f"is_{kind}"):
            return f"{address} is a {kind.replace('_', '-')} address"
    if not address.is_global:
        return f"{address} is not a public address"
    return None


class Deadline(threading.local):
    """The monotonic time by which the current thread's fetch must be over (None: no deadline)."""

    at: float | None = None

    def remaining(self, timeout: float | None) -> float | None:
        if self.at is None:
            return timeout
        left = self.at - time.monotonic()
        if left <= 0:
            raise httpcore.ReadTimeout("the total timeout ran out")
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.remaining(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.remaining(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, self._deadline.remaining(timeout))
        return _DeadlineStream(inner, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.SyncBackend):
    """Resolves, checks every resolved address, then connects to the checked one."""

    def __init__(self, *, allow_private: bool, trusted: Iterable[str], deadline: Deadline) -> None:
        self.allow_private = allow_private
        self.trusted = {ipaddress.ip_address(address) for address in trusted}
        self.deadline = deadline

    def resolve(self, host: str, port: int) -> str:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as error:
            raise httpcore.ConnectError(f"cannot resolve {host}: {error}") from None
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
        if not self.allow_private:
            for address in addresses:  # one private answer refuses the name: no guessing which is meant
                reason = None if address in self.trusted else why_refused(address)
                if reason:
                    raise RefusedAddress(f"refused: {host} resolves to {reason} "
                                         "(allow_private / --allow-private permits it)")
        return str(addresses[0])

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        address = self.resolve(host, port)
        stream = super().connect_tcp(address, port, self.deadline.remaining(timeout), local_address,
                                     socket_options)
        return _DeadlineStream(stream, self.deadline)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport, with its connection pool on the guarded backend."""

    def __init__(self, backend: GuardedBackend, *, max_connections: int) -> None:
        super().__init__()
        self._pool = httpcore.ConnectionPool(ssl_context=ssl.create_default_context(cafile=certifi.where()),
                                             max_connections=max_connections, network_backend=backend)


def refusal(error: BaseException) -> RefusedAddress | None:
    """The RefusedAddress behind an httpx error, if that is what it was."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, RefusedAddress):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
