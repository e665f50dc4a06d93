"""Connect/echo/close cycles leave the process's descriptors, threads and
memory where they were (the short version; the soak is longer)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import gc, os, threading
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

    cycles(300)
    gc.collect()
    before = (fds(), threading.active_count(), rss_kib())
    cycles(3000)
    gc.collect()
    after = (fds(), threading.active_count(), rss_kib())
    print(before, after)
    assert after[0] == before[0], ("descriptors", before, after)
    assert after[1] == before[1], ("threads", before, after)
    assert after[2] - before[2] < 4096, ("memory grew by more than 4 MiB", before, after)
    print("ok")
    """
)


def test_cycles_leave_nothing_behind() -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr[-3000:]
    assert out.stdout.strip().endswith("ok")
