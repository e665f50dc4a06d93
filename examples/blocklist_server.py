"""Access control with `BlockList`, three ways, on loopback (Linux routes all
of 127.0.0.0/8 to the loopback interface, so a client can bind 127.0.0.2):

  1. a server checks each peer's `remote_address` itself and destroys the
     connections of blocked peers;
  2. the same policy as the server's `block_list` option: Node's server
     closes blocked peers before any 'connection' event;
  3. a client's `block_list` option: a connect to a blocked address fails
     with ERR_IP_BLOCKED before a single packet is sent.

Run: python examples/blocklist_server.py
"""

from __future__ import annotations

import asyncio
from typing import Any

import tokionet as net

WAIT_S = 5.0


def port_of(server: net.Server) -> int:
    address = server.address()
    assert isinstance(address, dict)
    return int(address["port"])


def guard(policy: net.BlockList) -> Any:
    """A connection listener that lets in only peers the policy allows."""

    def on_connection(sock: net.Socket) -> None:
        peer = sock.remote_address
        family = "ipv6" if sock.remote_family == "IPv6" else "ipv4"
        if peer is None or policy.check(peer, family):
            print(f"  server: {peer} is blocked: destroy()")
            sock.destroy()
            return
        print(f"  server: {peer} is allowed")
        sock.end(f"welcome, {peer}\n")

    return on_connection


async def visit(port: int, local_address: str, block_list: net.BlockList | None = None) -> None:
    """Connects from `local_address` and prints what the client sees."""
    options: dict[str, Any] = {"port": port, "host": "127.0.0.1", "local_address": local_address}
    if block_list is not None:
        options["block_list"] = block_list
    client = net.connect(**options)
    closed = asyncio.Event()
    connected = False
    received = bytearray()

    def on_connect() -> None:
        nonlocal connected
        connected = True

    client.on("connect", on_connect)
    client.on("data", received.extend)
    client.on("error", lambda err: print(f"  client {local_address}: error [{err.code}] {err}"))
    client.on("close", lambda had_error: closed.set())
    await asyncio.wait_for(closed.wait(), WAIT_S)
    if not connected:
        print(f"  client {local_address}: never connected")
    elif received:
        print(f"  client {local_address}: got {bytes(received)!r}")
    else:
        print(f"  client {local_address}: connected, then closed without a word")


async def main() -> None:
    policy = net.BlockList()
    policy.add_address("127.0.0.2")
    policy.add_subnet("127.0.1.0", 24)
    policy.add_subnet("fd00::", 8, "ipv6")
    print("policy:", policy.rules)

    print("1. the connection listener checks remote_address")
    guarded = net.create_server(guard(policy))
    guarded.listen(0, "127.0.0.1")
    await net.once(guarded, "listening")
    for local in ("127.0.0.1", "127.0.0.2", "127.0.1.7"):
        await visit(port_of(guarded), local)
    guarded.close()
    await net.once(guarded, "close")

    print("2. the server's block_list option")
    server = net.create_server(lambda sock: sock.end(f"welcome, {sock.remote_address}\n"), block_list=policy)
    server.on("connection", lambda sock: print(f"  server: connection from {sock.remote_address}"))
    server.listen(0, "127.0.0.1")
    await net.once(server, "listening")
    for local in ("127.0.0.1", "127.0.0.2"):
        await visit(port_of(server), local)

    print("3. the client's block_list option")
    outbound = net.BlockList()
    outbound.add_subnet("127.0.0.0", 24)
    await visit(port_of(server), "127.0.0.1", block_list=outbound)

    server.close()
    await net.once(server, "close")
    print("done")


if __name__ == "__main__":
    net.run(main)
