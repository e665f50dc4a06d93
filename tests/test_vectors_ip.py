"""Node 24's isIP / isIPv4 / isIPv6 on the recorded vectors (ip.json)."""

from __future__ import annotations

from typing import Any

import tokionet as net

from _vectors import JsOnly, decode, load


def test_every_string_case_matches_node() -> None:
    cases = load("ip.json")["cases"]
    bad = [
        c
        for c in cases
        if (net.is_ip(c["input"]), net.is_ipv4(c["input"]), net.is_ipv6(c["input"]))
        != (c["isIP"], c["isIPv4"], c["isIPv6"])
    ]
    assert not bad, f"{len(bad)} of {len(cases)} differ, e.g. {bad[:5]}"
    assert len(cases) == 5000


def test_node_names_are_the_same_functions() -> None:
    assert net.isIP is net.is_ip
    assert net.isIPv4 is net.is_ipv4
    assert net.isIPv6 is net.is_ipv6


def test_non_strings_are_never_addresses() -> None:
    # API.md: a non-str returns 0 / False without raising. JS-only inputs
    # (arrays and objects converted with toString, Symbols) are skipped.
    checked = 0
    for c in load("ip.json")["non_string_cases"]:
        try:
            value: Any = decode(c["input"])
        except JsOnly:
            continue
        if isinstance(value, (list, dict)) or callable(value):
            continue
        assert (net.is_ip(value), net.is_ipv4(value), net.is_ipv6(value)) == (0, False, False)
        checked += 1
    assert checked >= 5
    assert net.is_ip() == 0
