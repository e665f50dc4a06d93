"""tokionet inside an ordinary asyncio program: a server next to an asyncio
task, `await tokionet.once(...)`, and `async for` over a socket.

Run: python examples/asyncio_mix.py
"""

from __future__ import annotations

import asyncio

import tokionet as net


def port_of(server: net.Server) -> int:
    """The port a TCP server listens on (`address()` is a dict for TCP)."""
    address = server.address()
    assert isinstance(address, dict)
    return int(address["port"])


async def ticker(stop: asyncio.Event) -> None:
    while not stop.is_set():
        print("asyncio task: still running")
        await asyncio.sleep(0.05)


async def main() -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(ticker(stop))
    server = net.create_server(lambda s: s.end(b"line one\nline two\n"))
    server.listen(0, "127.0.0.1")
    await net.once(server, "listening")
    async with server:
        client = net.connect(port_of(server), "127.0.0.1")
        await net.once(client, "connect")
        async for chunk in client:
            print("received:", chunk)
    stop.set()
    await task
    print("server closed:", not server.listening)


if __name__ == "__main__":
    asyncio.run(main())
