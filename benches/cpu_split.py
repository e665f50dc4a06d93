"""Server CPU per request split into user space and kernel: tokionet against the anchors.

    python benches/cpu_split.py --save          # 3 echo cells, 6 servers, 5 repeats (~8 minutes)
    python benches/cpu_split.py --repeats 1 --cells echo_c1_s64 --duration 1

The kernel's TCP work is the same for every server that makes the same system
calls; what a library adds is its user-space time (and the system calls it
makes without need). This measures that share: it runs the shared load
generator against each server exactly as ``../shared/bench/run.py`` does (its
servers, cells, CPU pinning, busy-polling load generator and priming; the
module is imported, not copied), and reads the server's ``utime`` and
``stime`` from ``/proc/<pid>/stat`` when the load generator's measured window
opens and when it closes. The load generator's own server CPU per request is
then split in the proportion measured: user + kernel = what ``echo_compare``
reports for the same cell.

``/proc`` counts in clock ticks (10 ms): a 4 s window at one core is about
400 ticks, so a user share near 10 % reads to about ±1 percentage point in
one repeat; the medians of 5 interleaved repeats are what count. The server
order rotates with each repeat so that no server always runs first.

``--save`` writes ``benches/results/cpu-split.json`` (medians per cell and
server) and ``cpu-split.md`` (the table). A benchmark, not a test: nothing
here asserts anything, and pytest does not collect it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import threading
import time
from types import ModuleType
from typing import Any

from echo_compare import DEFAULT_BENCH, RESULTS, ROOT, UVLOOP, find_node24, load_run_py, server_templates

ANCHORS = ["uvloop_protocol", "asyncio_protocol", "node24_data", "c_epoll"]
CELLS = ["echo_c1_s64", "echo_c100_s1k", "echo_c100_s16k"]
TICK = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid: int) -> tuple[int, int]:
    """utime and stime of a process (every thread), in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])


def measure(run: ModuleType, srv: Any, cell: str, args: argparse.Namespace) -> dict[str, Any]:
    """One loadgen run; its JSON plus the user and kernel ticks of its window."""
    marks: list[tuple[int, int]] = []

    def sample() -> None:
        time.sleep(args.warmup)
        marks.append(cpu_ticks(srv.proc.pid))
        time.sleep(args.duration)
        marks.append(cpu_ticks(srv.proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    d: dict[str, Any] = run.run_cell(srv, cell, args)
    sampler.join(timeout=args.warmup + args.duration + 5)
    if "failed" not in d and len(marks) == 2:
        d["user_ticks"] = marks[1][0] - marks[0][0]
        d["sys_ticks"] = marks[1][1] - marks[0][1]
    return d


def split(d: dict[str, Any], run: ModuleType, cell: str) -> dict[str, float] | None:
    ticks = d.get("user_ticks", 0) + d.get("sys_ticks", 0)
    if "failed" in d or ticks <= 0:
        return None
    cpu = run.cpu_per_unit(d, cell)
    share = d["user_ticks"] / ticks
    return {"cpu": cpu, "user": cpu * share, "kernel": cpu * (1 - share), "user_share": share}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench-dir", default=os.environ.get("TOKIONET_BENCH_DIR", str(DEFAULT_BENCH)))
    ap.add_argument("--cells", default=",".join(CELLS))
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--duration", type=float, default=4.0)
    ap.add_argument("--loops", default="tokionet", help="loops for tokionet's servers (as echo_compare)")
    ap.add_argument("--anchors", default=",".join(ANCHORS))
    ap.add_argument("--python", default=sys.executable, help="interpreter for echo_server.py")
    ap.add_argument("--save", action="store_true", help="write cpu-split.json and .md to benches/results/")
    args = ap.parse_args()

    run = load_run_py(args.bench_dir)
    run.build()
    # What run.py's registry and run_cell read from its own arguments.
    args.node24 = find_node24()
    args.node20 = None
    args.loadgen_cpu = run.LOADGEN_CPU[0]
    args.busy_poll = True
    reg, _, _ = run.registry(args)
    servers = server_templates(args.python, args.loops)
    for name in args.anchors.split(","):
        if reg.get(name):
            servers[name] = reg[name][0]
        else:
            print(f"# skipping {name}: not installed", file=sys.stderr)
    cells = args.cells.split(",")
    logdir = ROOT / "target" / "cpu-split"
    logdir.mkdir(parents=True, exist_ok=True)

    raw: dict[str, dict[str, list[dict[str, float]]]] = {s: {c: [] for c in cells} for s in servers}
    names = list(servers)
    for rep in range(args.repeats):
        for name in names[rep % len(names) :] + names[: rep % len(names)]:
            srv = run.Server(name, servers[name], "tcp", "0", logdir)
            try:
                srv.start()
                srv.prime()
                for cell in cells:
                    got = split(measure(run, srv, cell, args), run, cell)
                    if got is None:
                        print(f"# {name}/{cell}: failed", file=sys.stderr)
                        continue
                    raw[name][cell].append(got)
                    print(
                        f"# {rep + 1}/{args.repeats} {name:22s} {cell:15s} cpu {got['cpu']:7.2f} "
                        f"user {got['user']:6.2f} kernel {got['kernel']:7.2f}",
                        file=sys.stderr,
                        flush=True,
                    )
            finally:
                srv.stop()

    summary = summarize(raw, cells)
    table = markdown(summary, cells)
    print(table)
    if args.save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        result = {"stamp": stamp, "repeats": args.repeats, "duration_s": args.duration, "cells": summary}
        (RESULTS / "cpu-split.json").write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
        (RESULTS / "cpu-split.md").write_text(f"Run {result['stamp']}, {args.repeats} repeats.\n\n" + table)
        print(f"# wrote {RESULTS / 'cpu-split.json'} and cpu-split.md", file=sys.stderr)
    return 0


def summarize(raw: dict[str, dict[str, list[dict[str, float]]]], cells: list[str]) -> dict[str, Any]:
    """Medians per cell and server, with the user time as a ratio to uvloop's."""
    out: dict[str, Any] = {}
    for cell in cells:
        rows = {}
        for name, by_cell in raw.items():
            runs = by_cell[cell]
            if runs:
                rows[name] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        ref = rows.get(UVLOOP, {})
        for row in rows.values():
            for key in ("cpu", "user"):
                row[f"{key}_x_uvloop"] = row[key] / ref[key] if ref.get(key) else None
        out[cell] = rows
    return out


def markdown(summary: dict[str, Any], cells: list[str]) -> str:
    lines = [
        "Server CPU per request, median (µs), split into user space and kernel",
        "",
        "| cell | server | CPU | user | kernel | user share | CPU / uvloop's | user / uvloop's |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]

    def ratio(value: float | None) -> str:
        return f"{value:.2f}x" if value is not None else "n/a"

    for cell in cells:
        for name, r in summary[cell].items():
            lines.append(
                f"| {cell} | {name} | {r['cpu']:.2f} | {r['user']:.2f} | {r['kernel']:.2f} "
                f"| {r['user_share']:.0%} | {ratio(r['cpu_x_uvloop'])} | {ratio(r['user_x_uvloop'])} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
