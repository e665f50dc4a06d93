"""net.SocketAddress against Node 24 (socketaddress.json)."""

from __future__ import annotations

import json
from typing import Any

import pytest

import tokionet as net

from _vectors import JsOnly, decode, decode_args, expect_error, load


def getters(sa: net.SocketAddress) -> dict[str, Any]:
    return {
        "address": sa.address,
        "port": sa.port,
        "family": sa.family,
        "flowlabel": sa.flowlabel,
    }


def run_cases(cases: list[dict[str, Any]], call: Any) -> int:
    """Runs each case; returns how many were Python-meaningful."""
    ran = 0
    failures = []
    for c in cases:
        try:
            outcome = call(c)
        except JsOnly:
            continue
        ran += 1
        if outcome:
            failures.append(outcome)
    assert not failures, f"{len(failures)} cases differ, e.g. {failures[:5]}"
    return ran


def check(case: dict[str, Any], fn: Any, expected_key: str = "result") -> str | None:
    try:
        got = fn()
    except Exception as exc:
        if "error" not in case and "crash" not in case:
            return f"{case}: raised {exc!r}"
        if "crash" in case:
            # Node aborts the process here; we raise a clean RangeError.
            if not (isinstance(exc, ValueError) and getattr(exc, "code", None) == "ERR_OUT_OF_RANGE"):
                return f"{case}: raised {exc!r} instead of ERR_OUT_OF_RANGE"
            return None
        try:
            expect_error(case["error"], exc)
        except AssertionError as ae:
            return f"{case}: {ae}"
        return None
    if "error" in case or "crash" in case:
        return f"{case}: returned {got!r}"
    if got != case[expected_key]:
        return f"{case}: got {got!r}"
    return None


def test_constructor() -> None:
    def call(c: dict[str, Any]) -> str | None:
        args = decode_args(c["args"])
        return check(c, lambda: getters(net.SocketAddress(*args)))

    assert run_cases(load("socketaddress.json")["constructor"], call) >= 450


def test_parse() -> None:
    def call(c: dict[str, Any]) -> str | None:
        args = decode_args([c["input"]])

        def parse() -> Any:
            sa = net.SocketAddress.parse(*args)
            return None if sa is None else getters(sa)

        return check(c, parse)

    assert run_cases(load("socketaddress.json")["parse"], call) >= 550


def test_address_normalization() -> None:
    def call(c: dict[str, Any]) -> str | None:
        for family in ("ipv4", "ipv6"):
            expected = c[family]
            sub = {"error": expected["error"]} if isinstance(expected, dict) else {"result": expected}
            out = check(sub, lambda f=family: net.SocketAddress(address=c["input"], family=f).address)
            if out:
                return f"{family} {c['input']!r}: {out}"
        return None

    assert run_cases(load("socketaddress.json")["address_normalization"], call) == 1500


def test_is_socket_address() -> None:
    def call(c: dict[str, Any]) -> str | None:
        value = decode(c["input"])
        got = net.SocketAddress.is_socket_address(value)
        return None if got == c["result"] else f"{c}: got {got}"

    assert run_cases(load("socketaddress.json")["isSocketAddress"], call) >= 5
    assert net.SocketAddress.isSocketAddress is net.SocketAddress.is_socket_address


def test_to_json() -> None:
    def call(c: dict[str, Any]) -> str | None:
        sa = net.SocketAddress(*decode_args(c["args"]))
        got = sa.to_json()
        text = json.dumps(sa.toJSON(), separators=(",", ":"))
        if got != c["toJSON"] or text != c["JSON_stringify"] or list(got) != list(c["toJSON"]):
            return f"{c}: got {got} / {text}"
        return None

    assert run_cases(load("socketaddress.json")["json"], call) == 4


def test_python_forms_of_the_options() -> None:
    a = net.SocketAddress({"address": "::1", "family": "ipv6", "port": 8080})
    b = net.SocketAddress(address="::1", family="ipv6", port=8080)
    c = net.SocketAddress({"address": "::1"}, family="ipv6", port=8080)
    assert a == b == c and hash(a) == hash(b)
    assert repr(a) == "SocketAddress { address: '::1', port: 8080, family: 'ipv6', flowlabel: 0 }"
    assert net.SocketAddress(a) == a
    with pytest.raises(TypeError) as ei:
        net.SocketAddress(None)
    assert str(ei.value) == 'The "options" argument must be of type object. Received None'


def test_pickles() -> None:
    import pickle

    sa = net.SocketAddress(address="fe80::1", family="ipv6", port=1, flowlabel=7)
    assert pickle.loads(pickle.dumps(sa)) == sa
