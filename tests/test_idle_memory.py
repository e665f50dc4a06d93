"""Memory per idle connection stays small: 1,000 connections held by another
process, the tokionet echo server's RSS read before and with them
(``benches/idle_memory.py``'s measurement; ``make bench-memory`` runs it at
10,000 against Node 24, uvloop and asyncio).

The bounds are about 3.5x what the 2-core development machine measured
(N=1,000, 3 runs each, 2026-11-25):

- THP disabled for the server (``prctl(PR_SET_THP_DISABLE)``: 4 KiB pages,
  only memory actually touched): 1,520-1,640 B per connection. Bound 6 KiB.
- the machine's THP mode (``madvise``; mimalloc asks for huge pages for its
  arena): 7,250-9,360 B, mostly a fixed ~8 MiB of 2 MiB pages spread over
  the first connections. Bound 32 KiB.

Either bound fails on a per-connection buffer of 64 KiB that gets touched:
the same server keeping a 64 KiB bytearray per connection measured
67,300 B per connection (THP off).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

N = 1000
BOUND = {False: 6 * 1024, True: 32 * 1024}  # bytes per connection, by "THP as the machine has it"


def _idle_memory() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "benches" / "idle_memory.py"
    spec = importlib.util.spec_from_file_location("idle_memory", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="needs Linux's smaps_rollup")
@pytest.mark.parametrize("thp", [False, True], ids=["thp-off", "thp-default"])
def test_idle_connection_memory(thp: bool) -> None:
    im = _idle_memory()
    _, hard = im.raise_nofile()
    if hard < N + im.FD_SLACK:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} is below {N + im.FD_SLACK}")
    r = im.measure("tokionet-data", N, settle=0.5, no_thp=not thp)
    per_conn = r["bytes_per_conn"]["Rss"]
    before, with_n = r["readings"]["before"]["Rss"], r["readings"]["with"]["Rss"]
    assert per_conn < BOUND[thp], (
        f"{per_conn:,.0f} B of RSS per idle connection (bound {BOUND[thp]:,}): "
        f"{before:,} B before, {with_n:,} B with {N:,} connections"
    )
