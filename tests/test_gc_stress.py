"""The cyclic collector running at every allocation must never see a
half-built object: sockets, servers and emitters are made and torn down
with gc thresholds at their lowest, in a child process (a crash there is a
failed test, not a dead test run)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import gc
    gc.set_threshold(1, 1, 1)
    import tokionet as net

    class Mine(net.EventEmitter):
        pass

    def main():
        got = []
        def on_conn(sock):
            sock.pipe(sock)
        server = net.create_server(on_conn)
        def ready():
            port = server.address()["port"]
            left = [20]
            for _ in range(20):
                c = net.connect(port, "127.0.0.1")
                c.on("data", got.append)
                def closed(h):
                    left[0] -= 1
                    if not left[0]:
                        server.close()
                c.on("close", closed)
                c.end(b"x" * 10000)
                Mine().on("e", print)
        server.listen(0, "127.0.0.1", ready)

    net.run(main)
    print("ok")
    """
)


def test_collector_at_every_allocation() -> None:
    out = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().endswith("ok")
