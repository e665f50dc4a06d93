"""net.BlockList against Node 24 (blocklist.json): rules, checks, errors,
fromJSON/toJSON, including the IPv4-mapped and byte-order quirks."""

from __future__ import annotations

import json
from typing import Any

import tokionet as net

from _vectors import UNDEFINED, JsOnly, decode, decode_args, expect_error, load

_SENTINEL = object()


def outcome(case: dict[str, Any], fn: Any) -> str | None:
    """Compares one call with the recorded result or error."""
    try:
        got = fn()
    except Exception as exc:
        if "error" not in case:
            return f"raised {exc!r}, expected {case.get('result')!r}"
        try:
            expect_error(case["error"], exc)
        except AssertionError as ae:
            return f"error mismatch: {ae}"
        return None
    if "error" in case:
        return f"returned {got!r}, expected {case['error']}"
    expected = decode(case["result"]) if "result" in case else _SENTINEL
    # Node's undefined comes back as None.
    expected = None if expected is UNDEFINED else expected
    if expected is not _SENTINEL and got != expected:
        return f"returned {got!r}, expected {expected!r}"
    return None


def apply(bl: net.BlockList, op: dict[str, Any]) -> str | None:
    args = decode_args(op["args"])
    return outcome(op, lambda: getattr(bl, op["method"])(*args))


def test_sets_rules_and_probes() -> None:
    failures: list[str] = []
    probes = 0
    for s in load("blocklist.json")["sets"]:
        bl = net.BlockList()
        for op in s["ops"]:
            # A JS-only argument makes Node's call throw and add nothing, so
            # leaving that one call out keeps the rule list comparable.
            try:
                f = apply(bl, op)
            except JsOnly:
                assert "error" in op
                continue
            if f is not None:
                failures.append(f"{s['id']} {op['method']}{op['args']}: {f}")
        if bl.rules != s["rules"]:
            failures.append(f"{s['id']}: rules {bl.rules} != {s['rules']}")
        for p in s["probes"]:
            try:
                args = decode_args(p["args"])
            except JsOnly:
                continue
            probes += 1
            if (f := outcome(p, lambda args=args, bl=bl: bl.check(*args))) is not None:
                failures.append(f"{s['id']} check{p['args']}: {f} rules={bl.rules}")
    assert not failures, f"{len(failures)} differ:\n" + "\n".join(failures[:10])
    assert probes > 6000


def test_single_call_errors() -> None:
    failures = []
    ran = 0
    for c in load("blocklist.json")["errors"]:
        bl = net.BlockList()
        try:
            f = apply(bl, c)
        except JsOnly:
            continue
        ran += 1
        if f is not None:
            failures.append(f"{c['method']}{c['args']}: {f}")
        elif bl.rules != c["rules_after"]:
            failures.append(f"{c['method']}{c['args']}: rules {bl.rules} != {c['rules_after']}")
    assert not failures, "\n".join(failures[:10])
    assert ran >= 30


def test_from_json() -> None:
    failures = []
    ran = 0
    for c in load("blocklist.json")["fromJSON"]:
        bl = net.BlockList()
        try:
            for op in c["setup"]:
                getattr(bl, op["method"])(*decode_args(op["args"]))
            assert bl.rules == c["rules_before"]
            args = decode_args([c["data"]])
        except JsOnly:
            continue
        ran += 1
        f = outcome(c, lambda args=args, bl=bl: bl.fromJSON(*args))
        if f is not None:
            failures.append(f"{c['data']!r}: {f}")
        elif bl.rules != c["rules_after"]:
            failures.append(f"{c['data']!r}: rules {bl.rules} != {c['rules_after']}")
    assert not failures, "\n".join(failures[:10])
    assert ran >= 15


def test_roundtrip() -> None:
    data = load("blocklist.json")
    sets = {s["id"]: s for s in data["sets"]}
    failures = []
    for c in data["roundtrip"]:
        src = net.BlockList()
        for op in sets[c["source_set"]]["ops"]:
            if "error" not in op:
                getattr(src, op["method"])(*decode_args(op["args"]))
        text = json.dumps(src.toJSON(), separators=(",", ":"), ensure_ascii=False)
        if src.to_json() != c["toJSON"] or text != c["JSON_stringify"]:
            failures.append(f"{c['source_set']}: toJSON {src.to_json()} / {text}")
        for key, data_in in (("fromJSON_array", src.to_json()), ("fromJSON_string", text)):
            fresh = net.BlockList()
            expected = c[key]
            try:
                fresh.from_json(data_in)
            except Exception as exc:
                if "error" not in expected:
                    failures.append(f"{c['source_set']} {key}: raised {exc!r}")
                else:
                    expect_error(expected["error"], exc)
            else:
                if "error" in expected:
                    failures.append(f"{c['source_set']} {key}: no error, expected {expected['error']}")
            if fresh.rules != expected["rules"]:
                failures.append(f"{c['source_set']} {key}: rules {fresh.rules} != {expected['rules']}")
    assert not failures, "\n".join(failures[:10])


def test_is_block_list() -> None:
    ran = 0
    for c in load("blocklist.json")["isBlockList"]:
        try:
            args = decode_args([c["input"]])
        except JsOnly:
            continue
        ran += 1
        assert net.BlockList.is_block_list(*args) is c["result"], c
    assert ran >= 4
    assert net.BlockList.isBlockList is net.BlockList.is_block_list
