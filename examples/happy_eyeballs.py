"""Happy Eyeballs (RFC 8305), as Node 24 does it: with `auto_select_family=True`
a client tries each address of a name in turn, IPv6 and IPv4 alternating,
giving each attempt `auto_select_family_attempt_timeout` milliseconds before
it moves on, and reports every step with the `connectionAttempt`,
`connectionAttemptFailed` and `connectionAttemptTimeout` events.

Three connections to `localhost` (::1 and 127.0.0.1), loopback only:
  1. the server listens on IPv4 only: ::1 refuses, 127.0.0.1 answers;
  2. something on [::1]:port accepts nothing (its queue is full), so the
     ::1 attempt times out and 127.0.0.1 answers;
  3. nothing listens at all: every attempt fails, and the error is an
     AggregateError listing each attempt's error.

Run: python examples/happy_eyeballs.py
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import tokionet as net

# What most systems' /etc/hosts says about localhost. Some list only one of
# them (this keeps the demo the same everywhere); leave `lookup=` out to ask
# the system resolver instead.
LOCALHOST = [("::1", 6), ("127.0.0.1", 4)]

# How long an attempt may take before the next one starts (Node's default is
# 250 ms; a refused loopback attempt fails well within either).
ATTEMPT_TIMEOUT_MS = 500


def hosts_lookup(hostname: str, options: dict[str, Any], callback: Callable[..., None]) -> None:
    """A custom `lookup`: Node calls it with `all=True` under Happy Eyeballs."""
    assert hostname == "localhost" and options["all"]
    callback(None, [{"address": address, "family": family} for address, family in LOCALHOST])


def port_of(server: net.Server) -> int:
    address = server.address()
    assert isinstance(address, dict)
    return int(address["port"])


@contextmanager
def unresponsive(host: str, port: int) -> Iterator[None]:
    """A listener that never accepts, its accept queue full: the kernel
    drops further connection requests, so a connect gets no answer."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family)
    fillers = []
    try:
        listener.bind((host, port))
        listener.listen(0)
        for _ in range(4):
            filler = socket.socket(family)
            filler.setblocking(False)
            filler.connect_ex((host, port))
            fillers.append(filler)
        yield
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


async def visit(title: str, port: int) -> None:
    print(f"--- {title}")
    client = net.connect(
        port=port,
        host="localhost",
        lookup=hosts_lookup,
        auto_select_family=True,
        auto_select_family_attempt_timeout=ATTEMPT_TIMEOUT_MS,
    )

    def on_attempt(ip: str, port: int, family: int) -> None:
        print(f"connectionAttempt        {ip} (IPv{family})")

    def on_attempt_failed(ip: str, port: int, family: int, err: BaseException) -> None:
        print(f"connectionAttemptFailed  {ip} (IPv{family}): {getattr(err, 'code', err)}")

    def on_attempt_timeout(ip: str, port: int, family: int) -> None:
        print(f"connectionAttemptTimeout {ip} (IPv{family}) after {ATTEMPT_TIMEOUT_MS} ms")

    # Listeners go on before the first tick: connect() starts right away.
    client.on("connectionAttempt", on_attempt)
    client.on("connectionAttemptFailed", on_attempt_failed)
    client.on("connectionAttemptTimeout", on_attempt_timeout)
    client.on("connect", lambda: print(f"connect: to {client.remote_address} ({client.remote_family})"))
    client.on("data", lambda data: print(f"data: {data!r}"))

    def on_error(err: BaseException) -> None:
        print(f"error: {type(err).__name__} code={getattr(err, 'code', None)}")
        for attempt in getattr(err, "errors", []):
            print(f"  - {attempt}")

    client.on("error", on_error)
    # Not `await net.once(client, "close")`: like Node's events.once, it
    # raises when 'error' comes first, and case 3 ends with an error.
    closed = asyncio.Event()
    client.on("close", lambda had_error: closed.set())
    await closed.wait()
    attempted = client.auto_select_family_attempted_addresses or []
    print("attempted:", ", ".join(a.replace(f":{port}", ":<port>") for a in attempted))


async def main() -> None:
    server = net.create_server(lambda sock: sock.end(f"hello over {sock.local_family}\n"))
    server.listen(0, "127.0.0.1")  # IPv4 only
    await net.once(server, "listening")
    port = port_of(server)

    await visit("1. the server listens on 127.0.0.1 only", port)
    with unresponsive("::1", port):
        await visit("2. [::1]:port never answers", port)
    server.close()
    await net.once(server, "close")
    await visit("3. nothing listens", port)


if __name__ == "__main__":
    # Everything is bounded: a step that hangs fails instead of waiting forever.
    net.run(lambda: asyncio.wait_for(main(), 20))
