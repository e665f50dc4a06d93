"""Connect/echo/close cycles leave the process's descriptors, threads and
memory where they were (3,000 cycles; ``TOKIONET_SOAK=1``: 100,000);
sockets and servers dropped without ``close()`` are collected with their
descriptors, and no reference cycle keeps a closed socket alive."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import gc, os, sys, threading, time
    import tokionet as net

    def fds():
        return len(os.listdir("/proc/self/fd"))

    def rss_kib():
        return int(open("/proc/self/statm").read().split()[1]) * 4096 // 1024

    def cycles(n):
        def main():
            server = net.create_server(lambda s: s.pipe(s))
            left = [n]

            def one():
                c = net.connect(server.address()["port"], "127.0.0.1")
                c.on("data", lambda d: c.end())

                def closed(had_error):
                    left[0] -= 1
                    if left[0]:
                        one()
                    else:
                        server.close()

                c.on("close", closed)
                c.write(b"x" * 100)

            server.listen(0, "127.0.0.1", one)

        net.run(main)

    n = int(sys.argv[1])
    cycles(300)
    gc.collect()
    before = (fds(), threading.active_count(), rss_kib())
    started = time.monotonic()
    cycles(n)
    gc.collect()
    after = (fds(), threading.active_count(), rss_kib())
    took = time.monotonic() - started
    print(f"cycles={n} seconds={took:.1f} (fds, threads, rss_kib) before={before} after={after}")
    assert after[0] == before[0], ("descriptors", before, after)
    assert after[1] == before[1], ("threads", before, after)
    assert after[2] - before[2] < 4096, ("memory grew by more than 4 MiB", before, after)
    print("ok")
    """
)


def test_cycles_leave_nothing_behind() -> None:
    soak = os.environ.get("TOKIONET_SOAK") == "1"
    n = 100_000 if soak else 3000
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(n)], capture_output=True, text=True, timeout=3000 if soak else 120
    )
    assert out.returncode == 0, out.stdout + out.stderr[-3000:]
    assert out.stdout.strip().endswith("ok")
    if soak:
        print(out.stdout)


DROPPED_SCRIPT = textwrap.dedent(
    """
    import asyncio, gc, os, weakref
    import tokionet as net

    def fds():
        return len(os.listdir("/proc/self/fd"))

    net.run(lambda: None)  # the runtime's own descriptors, kept for good
    before = fds()
    refs = []

    async def main():
        loop = asyncio.get_running_loop()
        conns = []
        server = net.create_server(lambda c: conns.append(weakref.ref(c)))
        ready = loop.create_future()
        server.listen(0, "127.0.0.1", lambda: ready.set_result(None))
        await ready
        port = server.address()["port"]
        clients = [net.connect(port, "127.0.0.1") for _ in range(10)]
        for c in clients:
            c.write(b"x" * 100000)  # queued writes too
        while len(conns) < 10:
            await asyncio.sleep(0.01)
        never_connected = net.Socket()
        never_listened = net.create_server()
        refs.extend(weakref.ref(o) for o in [server, never_connected, never_listened, *clients])
        refs.extend(conns)
        print("open during the run:", fds() - before)
        # Nothing is closed: every reference goes with this frame.

    asyncio.run(main())
    gc.collect()
    net.run(lambda: None)  # a new loop: the closed loop's context is let go
    gc.collect()
    alive = sum(r() is not None for r in refs)
    print("alive", alive, "of", len(refs), "fds", before, fds())
    assert alive == 0, alive
    assert fds() == before, (before, fds())
    print("ok")
    """
)


def test_sockets_and_servers_dropped_without_close_are_collected() -> None:
    out = subprocess.run([sys.executable, "-c", DROPPED_SCRIPT], capture_output=True, text=True, timeout=25)
    assert out.returncode == 0, out.stdout + out.stderr[-3000:]
    assert out.stdout.strip().endswith("ok")


def test_no_reference_cycle_keeps_a_closed_socket_alive() -> None:
    import gc
    import weakref

    import tokionet as net

    refs: dict[str, weakref.ref] = {}

    def main() -> None:
        def on_conn(c: net.Socket) -> None:
            refs["server side"] = weakref.ref(c)
            c.pipe(c)

        server = net.create_server(on_conn)
        refs["server"] = weakref.ref(server)

        def listening() -> None:
            c = net.connect(server.address()["port"], "127.0.0.1")
            refs["client"] = weakref.ref(c)
            c.on("data", lambda d: None)
            c.on("close", lambda *a: refs["server"]().close())  # type: ignore[union-attr]
            c.end(b"hello")

        server.listen(0, "127.0.0.1", listening)

    gc.collect()
    gc.disable()  # only reference counting frees now: a cycle would keep its objects
    try:
        net.run(main)
        alive = [k for k, r in refs.items() if r() is not None]
    finally:
        gc.enable()
    assert len(refs) == 3
    assert alive == [], alive
