"""Micro-benchmarks of the address core against the standard library.

Run with ``make bench``; CI runs them once as plain tests
(``--benchmark-disable``) so they never rot. Figures go into the README as
ratios, never into assertions.
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Callable

import pytest

import tokionet as net

INPUTS = ["127.0.0.1", "::1", "fe80::1%eth0", "2001:db8::ff00:42:8329", "not an ip", "256.1.1.1"] * 50


def stdlib_is_ip(s: str) -> int:
    try:
        return ipaddress.ip_address(s).version
    except ValueError:
        return 0


@pytest.mark.benchmark(group="is_ip x300")
def test_is_ip_tokionet(benchmark: Callable[..., object]) -> None:
    benchmark(lambda: [net.is_ip(s) for s in INPUTS])


@pytest.mark.benchmark(group="is_ip x300")
def test_is_ip_stdlib_ipaddress(benchmark: Callable[..., object]) -> None:
    benchmark(lambda: [stdlib_is_ip(s) for s in INPUTS])


def _random_rules(n: int, seed: int = 7) -> list[ipaddress.IPv4Network]:
    rng = random.Random(seed)
    return [ipaddress.IPv4Network((rng.getrandbits(32) & ~0xFF, 24), strict=False) for _ in range(n)]


PROBES = [str(ipaddress.IPv4Address(random.Random(3).getrandbits(32))) for _ in range(100)]


def _blocklist(networks: list[ipaddress.IPv4Network]) -> net.BlockList:
    bl = net.BlockList()
    for n in networks:
        bl.add_subnet(str(n.network_address), n.prefixlen)
    return bl


@pytest.mark.parametrize("n_rules", [10, 100_000])
@pytest.mark.benchmark(group="BlockList.check x100")
def test_blocklist_check_tokionet(benchmark: Callable[..., object], n_rules: int) -> None:
    bl = _blocklist(_random_rules(n_rules))
    benchmark(lambda: [bl.check(p) for p in PROBES])


@pytest.mark.parametrize("n_rules", [10, 100_000])
@pytest.mark.benchmark(group="BlockList.check x100")
def test_blocklist_check_python_loop(benchmark: Callable[..., object], n_rules: int) -> None:
    networks = _random_rules(n_rules)
    probes = [ipaddress.ip_address(p) for p in PROBES]

    def run() -> list[bool]:
        return [any(p in n for n in networks) for p in probes]

    if n_rules > 1000:
        benchmark.pedantic(run, rounds=3, iterations=1)  # type: ignore[attr-defined]
    else:
        benchmark(run)
