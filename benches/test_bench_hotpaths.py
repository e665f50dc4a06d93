"""Micro-benchmarks of the hot paths: emit, the write fast path, a round trip.

Run with ``make bench``; CI runs them once as plain tests
(``--benchmark-disable``), so each also checks its result. Figures go into
the README as ratios, never into assertions.

- ``emit`` to Python listeners on a ``tokionet.EventEmitter`` (1 and 3
  listeners) against a minimal pure-Python emitter (a dict of lists).
- ``Socket.write`` of 64 B and 1 KiB on a connected loopback socket whose
  peer (a plain socket in another process, so it never contends for the GIL)
  drains it between rounds; each round is 32 writes, and before each
  (untimed) the peer reads everything, so every write goes straight to the
  kernel. asyncio's
  ``transport.write`` on the same kind of pair is the baseline. Both run
  with Nagle's algorithm on (Node's default) and off (asyncio's default).
- a 64 B ping-pong between a client and an echo server in the same event
  loop, tokionet against asyncio Protocols (each on asyncio's loop and on
  uvloop); each round runs the loop until 20 round trips are done. Each
  side has one message in flight, so Nagle's algorithm (on for tokionet, as
  in Node; off for asyncio) never holds a segment back.

Per-operation time is the round's median divided by the operations in it
(32 writes, 20 round trips).
"""

from __future__ import annotations

import asyncio
import importlib.util
import select
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

import tokionet as net

WAIT_S = 10.0  # every wait below is bounded by this
LOOPS = ["asyncio"] + (["uvloop"] if importlib.util.find_spec("uvloop") else [])


def new_loop(kind: str) -> asyncio.AbstractEventLoop:
    if kind == "uvloop":
        import uvloop

        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def close_loop(loop: asyncio.AbstractEventLoop) -> None:
    loop.run_until_complete(asyncio.sleep(0.01))  # closes and their callbacks
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


# --- emit -----------------------------------------------------------------------------------------


class MiniEmitter:
    """The least a Python emitter does: a dict of listener lists; emit calls a
    copy of the list (as Node does, so listeners may remove themselves)."""

    __slots__ = ("_events",)

    def __init__(self) -> None:
        self._events: dict[str, list[Callable[..., object]]] = {}

    def on(self, name: str, listener: Callable[..., object]) -> MiniEmitter:
        self._events.setdefault(name, []).append(listener)
        return self

    def emit(self, name: str, *args: object) -> bool:
        listeners = self._events.get(name)
        if not listeners:
            return False
        if len(listeners) == 1:
            listeners[0](*args)
        else:
            for listener in listeners.copy():
                listener(*args)
        return True


class Counter:
    def __init__(self) -> None:
        self.calls = 0
        self.last: object = None

    def __call__(self, data: object) -> None:
        self.calls += 1
        self.last = data


PAYLOAD = b"x" * 64


def bench_emit(benchmark: BenchmarkFixture, emitter: Any, n_listeners: int) -> None:
    counters = [Counter() for _ in range(n_listeners)]
    for c in counters:
        emitter.on("data", c)
    assert benchmark(emitter.emit, "data", PAYLOAD) is True
    calls = {c.calls for c in counters}
    assert len(calls) == 1 and calls.pop() >= 1, "every listener runs once per emit"
    assert all(c.last is PAYLOAD for c in counters)
    assert emitter.emit("nothing") is False


@pytest.mark.parametrize("n_listeners", [1, 3])
@pytest.mark.benchmark(group="emit")
def test_emit_tokionet(benchmark: BenchmarkFixture, n_listeners: int) -> None:
    bench_emit(benchmark, net.EventEmitter(), n_listeners)


@pytest.mark.parametrize("n_listeners", [1, 3])
@pytest.mark.benchmark(group="emit")
def test_emit_python_dict_of_lists(benchmark: BenchmarkFixture, n_listeners: int) -> None:
    bench_emit(benchmark, MiniEmitter(), n_listeners)


# --- the write fast path --------------------------------------------------------------------------

WRITES_PER_ROUND = 32
WRITE_ROUNDS = 1000


# The peer: a separate process (so that it never contends for this process's
# GIL) that accepts one connection and reads only when asked: on "N\n" on its
# stdin it reads until it has N bytes in all and answers "N\n". While a round
# is timed it sleeps on its stdin, so no wake-up of the reader costs the
# writer anything; a round leaves at most 32 KiB in the kernel's buffers.
DRAIN_PEER = r"""
import socket, sys
wait_s = float(sys.argv[1])
listener = socket.create_server(("127.0.0.1", 0))
listener.settimeout(wait_s)
print(listener.getsockname()[1], flush=True)
conn, _ = listener.accept()
conn.settimeout(wait_s)
buf, got = bytearray(1 << 20), 0
for line in sys.stdin:
    while got < int(line):
        n = conn.recv_into(buf)
        if not n:
            sys.exit(1)
        got += n
    print(got, flush=True)
"""


class Drain:
    """A plain loopback socket peer, in a process of its own, that reads and drops everything."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", DRAIN_PEER, str(WAIT_S)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin, self.stdout = self.proc.stdin, self.proc.stdout
        self.port = int(self.readline())

    def readline(self) -> bytes:
        ready, _, _ = select.select([self.stdout], [], [], WAIT_S)
        if not ready:
            raise TimeoutError(f"the drain peer said nothing in {WAIT_S} s")
        line = self.stdout.readline()
        if not line:
            raise RuntimeError(f"the drain peer exited ({self.proc.wait(WAIT_S)})")
        return line

    def wait(self, total: int) -> int:
        """Until the peer has read ``total`` bytes; returns how many it has read."""
        self.stdin.write(b"%d\n" % total)
        self.stdin.flush()
        return int(self.readline())

    def close(self) -> None:
        self.stdin.close()
        try:
            self.proc.wait(WAIT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(WAIT_S)
        self.stdout.close()


class WritePair:
    """A writer on a loop (not running while the writes are timed) and a peer that drains."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, write: Callable[[bytes], object], drain: Drain
    ) -> None:
        self.loop, self.write, self.drain = loop, write, drain
        self.written = 0


# Node leaves Nagle's algorithm on (noDelay false); asyncio turns it off on
# every TCP transport. With it on, a small write behind unacknowledged data
# only joins the kernel's send queue, much cheaper than a transmission on
# loopback (about a third of the time here); so both writers run both ways.
NAGLE = pytest.mark.parametrize("no_delay", [False, True], ids=["nagle", "nodelay"], indirect=True)


@pytest.fixture(scope="module")
def no_delay(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture(scope="module")
def tokionet_writer(no_delay: bool) -> Iterator[tuple[WritePair, Any]]:
    loop = new_loop("asyncio")
    drain = Drain()

    async def connect() -> Any:
        connected = loop.create_future()
        sock = net.connect(drain.port, "127.0.0.1", lambda: connected.set_result(None))
        await asyncio.wait_for(connected, WAIT_S)
        return sock

    sock = loop.run_until_complete(connect())
    sock.set_no_delay(no_delay)
    try:
        yield WritePair(loop, sock.write, drain), sock
    finally:
        sock.destroy()
        close_loop(loop)
        drain.close()


@pytest.fixture(scope="module")
def asyncio_writer(no_delay: bool) -> Iterator[tuple[WritePair, asyncio.WriteTransport]]:
    loop = new_loop("asyncio")
    drain = Drain()

    async def connect() -> asyncio.WriteTransport:
        transport, _ = await asyncio.wait_for(
            loop.create_connection(asyncio.Protocol, "127.0.0.1", drain.port), WAIT_S
        )
        # uvloop's transports do not subclass asyncio's ABCs, but have their methods.
        return cast(asyncio.WriteTransport, transport)

    transport = loop.run_until_complete(connect())
    transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, int(no_delay))
    try:
        yield WritePair(loop, transport.write, drain), transport
    finally:
        transport.close()
        close_loop(loop)
        drain.close()


def bench_writes(
    benchmark: BenchmarkFixture, pair: WritePair, size: int, pending: Callable[[], int]
) -> list[object]:
    """Rounds of ``WRITES_PER_ROUND`` writes of ``size`` bytes. Before each
    round (untimed) the peer reads everything and the loop runs once, and the
    round must find nothing queued: every timed write went to the kernel.
    Returns what every write returned."""
    data = b"x" * size
    write = pair.write
    batch = range(WRITES_PER_ROUND)
    results: list[object] = []
    queued_rounds = [0]

    def catch_up() -> None:
        pair.drain.wait(pair.written)
        pair.loop.run_until_complete(asyncio.sleep(0))
        if pending():
            queued_rounds[0] += 1

    def writes() -> None:
        results.extend([write(data) for _ in batch])
        pair.written += WRITES_PER_ROUND * size

    benchmark.pedantic(writes, setup=catch_up, rounds=WRITE_ROUNDS, iterations=1, warmup_rounds=10)
    catch_up()
    assert results and len(results) % WRITES_PER_ROUND == 0
    assert queued_rounds[0] == 0, f"{queued_rounds[0]} rounds found writes still queued"
    assert pair.drain.wait(pair.written) == pair.written
    return results


@NAGLE
@pytest.mark.parametrize("size", [64, 1024])
@pytest.mark.benchmark(group="write x32")
def test_write_tokionet(
    benchmark: BenchmarkFixture, tokionet_writer: tuple[WritePair, Any], size: int
) -> None:
    pair, sock = tokionet_writer
    results = bench_writes(benchmark, pair, size, lambda: int(sock.writable_length))
    # Node's write() result: True while below the high-water mark.
    assert all(r is True for r in results)
    assert sock.bytes_written == pair.written


@NAGLE
@pytest.mark.parametrize("size", [64, 1024])
@pytest.mark.benchmark(group="write x32")
def test_write_asyncio_transport(
    benchmark: BenchmarkFixture, asyncio_writer: tuple[WritePair, asyncio.WriteTransport], size: int
) -> None:
    pair, transport = asyncio_writer
    results = bench_writes(benchmark, pair, size, transport.get_write_buffer_size)
    assert all(r is None for r in results)


# --- ping-pong round trips ------------------------------------------------------------------------

ROUND_TRIPS = 20
PING_ROUNDS = 100
MSG = b"p" * 64


class PingPong:
    """A client that sends ``MSG``, waits for all of it to come back, and
    again, until a round's round trips are done."""

    def __init__(self, loop: asyncio.AbstractEventLoop, write: Callable[[bytes], object]) -> None:
        self.loop, self.write = loop, write
        self.got = 0
        self.left = 0
        self.done_total = 0
        self.bytes_back = 0
        self.future: asyncio.Future[None] | None = None

    def on_data(self, data: bytes) -> None:
        self.bytes_back += len(data)
        self.got += len(data)
        if self.got < len(MSG):
            return
        assert self.got == len(MSG), "one message in flight at a time"
        self.got = 0
        self.left -= 1
        self.done_total += 1
        if self.left:
            self.write(MSG)
        elif self.future is not None and not self.future.done():
            self.future.set_result(None)

    async def run(self, n: int) -> None:
        self.left = n
        self.future = self.loop.create_future()
        self.write(MSG)
        await asyncio.wait_for(self.future, WAIT_S)

    def round(self) -> None:
        self.loop.run_until_complete(self.run(ROUND_TRIPS))


def bench_ping_pong(benchmark: BenchmarkFixture, pp: PingPong) -> None:
    benchmark.pedantic(pp.round, rounds=PING_ROUNDS, iterations=1, warmup_rounds=3)
    assert pp.left == 0
    assert pp.done_total >= ROUND_TRIPS and pp.done_total % ROUND_TRIPS == 0
    assert pp.bytes_back == pp.done_total * len(MSG)


@pytest.fixture(params=LOOPS)
def tokionet_ping_pong(request: pytest.FixtureRequest) -> Iterator[PingPong]:
    loop = new_loop(request.param)

    async def start() -> tuple[Any, Any, PingPong]:
        server = net.create_server(lambda c: c.on("data", c.write))
        listening, connected = loop.create_future(), loop.create_future()
        server.listen(0, "127.0.0.1", lambda: listening.set_result(None))
        await asyncio.wait_for(listening, WAIT_S)
        client = net.connect(server.address()["port"], "127.0.0.1", lambda: connected.set_result(None))
        await asyncio.wait_for(connected, WAIT_S)
        pp = PingPong(loop, client.write)
        client.on("data", pp.on_data)
        return server, client, pp

    server, client, pp = loop.run_until_complete(start())
    try:
        yield pp
        assert client.bytes_read == pp.bytes_back
    finally:
        client.destroy()
        server.close()
        close_loop(loop)


class EchoProtocol(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: Any = transport  # uvloop's transports are not asyncio.Transport subclasses

    def data_received(self, data: bytes) -> None:
        self.transport.write(data)


class PingPongProtocol(asyncio.Protocol):
    def __init__(self, pp: Callable[[], PingPong]) -> None:
        self.pp = pp

    def data_received(self, data: bytes) -> None:
        self.pp().on_data(data)


@pytest.fixture(params=LOOPS)
def protocol_ping_pong(request: pytest.FixtureRequest) -> Iterator[PingPong]:
    loop = new_loop(request.param)
    holder: list[PingPong] = []

    async def start() -> tuple[asyncio.Server, Any, PingPong]:
        server = await loop.create_server(EchoProtocol, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        transport, _ = await asyncio.wait_for(
            loop.create_connection(lambda: PingPongProtocol(lambda: holder[0]), "127.0.0.1", port), WAIT_S
        )
        holder.append(PingPong(loop, transport.write))
        return server, transport, holder[0]

    server, transport, pp = loop.run_until_complete(start())
    try:
        yield pp
    finally:
        transport.close()
        server.close()
        loop.run_until_complete(asyncio.wait_for(server.wait_closed(), WAIT_S))
        close_loop(loop)


@pytest.mark.benchmark(group="ping-pong 64 B x20")
def test_ping_pong_tokionet(benchmark: BenchmarkFixture, tokionet_ping_pong: PingPong) -> None:
    bench_ping_pong(benchmark, tokionet_ping_pong)


@pytest.mark.benchmark(group="ping-pong 64 B x20")
def test_ping_pong_asyncio_protocol(benchmark: BenchmarkFixture, protocol_ping_pong: PingPong) -> None:
    bench_ping_pong(benchmark, protocol_ping_pong)
