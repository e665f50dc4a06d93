"""Backpressure bounds memory: clients write to peers that do not read until
``write()`` returns False; the process's resident memory grows by no more
than a small constant per connection over the high-water mark, and once
the peers read again every client gets ``'drain'`` and every byte arrives.

Runs in a child process (its own VmRSS); ``TOKIONET_SOAK=1`` runs more
rounds with more connections."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import asyncio, json, os, sys
    import tokionet as net

    CONNS, ROUNDS = int(sys.argv[1]), int(sys.argv[2])
    CHUNK = 16 * 1024
    HWM = 64 * 1024

    def status(key):
        for line in open("/proc/self/status"):
            if line.startswith(key + ":"):
                return int(line.split()[1])

    async def round_(out):
        loop = asyncio.get_running_loop()
        conns, received = [], [0]
        all_in = loop.create_future()

        def on_conn(c):
            c.pause()  # the peer stops reading
            c.on("data", lambda d: received.__setitem__(0, received[0] + len(d)))
            conns.append(c)
            if len(conns) == CONNS:
                all_in.set_result(None)

        server = net.create_server(on_conn)
        ready = loop.create_future()
        server.listen(0, "127.0.0.1", 1024, lambda: ready.set_result(None))
        await ready
        port = server.address()["port"]
        clients, sent, drained, writes = [], [0], [0], [0]
        all_drained = loop.create_future()

        def make():
            c = net.connect(port, "127.0.0.1")

            def on_drain():
                drained[0] += 1
                if drained[0] == CONNS:
                    all_drained.set_result(None)

            c.on("drain", on_drain)
            clients.append(c)

        for _ in range(CONNS):
            make()
        await asyncio.wait_for(all_in, 20)
        rss0 = status("VmRSS")
        # Keep writing until write() says stop; the kernel buffers fill first.
        stuck = set()
        for _ in range(100000):
            for i, c in enumerate(clients):
                if i in stuck:
                    continue
                writes[0] += 1
                sent[0] += CHUNK
                if not c.write(b"p" * CHUNK):  # a fresh buffer: queued bytes cost memory
                    stuck.add(i)
            if len(stuck) == CONNS:
                break
            await asyncio.sleep(0.001)
        out["all_stopped"] = len(stuck) == CONNS
        await asyncio.sleep(0.2)
        out["writable_max"] = max(c.writable_length for c in clients)
        out["rss_growth_kib"] = max(out.get("rss_growth_kib", 0), status("VmRSS") - rss0)
        for c in conns:
            c.resume()
        await asyncio.wait_for(all_drained, 20)
        while received[0] < sent[0]:
            await asyncio.sleep(0.01)
        out["bytes"] = out.get("bytes", 0) + sent[0]
        out["received_ok"] = received[0] == sent[0]
        for c in clients:
            c.destroy()
        server.close()

    out = {"conns": CONNS, "rounds": ROUNDS}

    async def main():
        for _ in range(ROUNDS):
            await round_(out)

    net.run(main)
    out["vmhwm_kib"] = status("VmHWM")
    print(json.dumps(out))
    """
)


def run_child(conns: int, rounds: int, timeout: float) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(conns), str(rounds)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_backpressure_bounds_memory_and_drain_resumes() -> None:
    soak = os.environ.get("TOKIONET_SOAK") == "1"
    conns = 400 if soak else 100
    out = run_child(conns, 20 if soak else 1, 3000 if soak else 25)
    assert out["all_stopped"], out
    assert out["received_ok"], out
    # Node's accounting: a write that makes the length reach the mark returns False.
    assert out["writable_max"] < 64 * 1024 + 16 * 1024, out
    # What is queued in user space is bounded by the mark: allow the mark plus
    # 64 KiB of bookkeeping per connection, and 16 MiB for the interpreter.
    bound_kib = conns * (64 + 64) + 16 * 1024
    assert out["rss_growth_kib"] < bound_kib, out
    if soak:
        print(json.dumps(out))


if __name__ == "__main__":
    print(json.dumps(run_child(int(sys.argv[1]), int(sys.argv[2]), 3000)))
