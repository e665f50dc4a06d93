"""Loading the Node 24 vectors of ``../shared/vectors`` and turning their
tagged JavaScript values into Python arguments.

The vectors are read where they live (never copied into the repository);
tests skip with a clear message when the folder is absent.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any

import pytest

import tokionet as net

ROOT = Path(__file__).resolve().parent.parent
VECTORS = Path(os.environ.get("TOKIONET_VECTORS", ROOT.parent / "shared" / "vectors"))


class JsOnly(Exception):
    """A JavaScript-only input (Symbol, BigInt, boxed value, ...): no Python meaning."""


class _Undefined:
    def __repr__(self) -> str:
        return "UNDEFINED"


UNDEFINED: Any = _Undefined()


def load(name: str) -> dict[str, Any]:
    path = VECTORS / name
    if not path.exists():
        pytest.skip(f"Node vectors not found at {path} (set TOKIONET_VECTORS to their folder)")
    with path.open(encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


def decode(v: Any) -> Any:
    """A tagged JavaScript value as the Python value a caller would pass."""
    if isinstance(v, list):
        return [decode(x) for x in v]
    if not isinstance(v, dict):
        return v
    t = v.get("$type")
    if t is None:
        # A key holding undefined is, in Python, a key left out.
        decoded = {k: decode(x) for k, x in v.items()}
        return {k: x for k, x in decoded.items() if x is not UNDEFINED}
    if t == "undefined":
        return UNDEFINED
    if t == "number":
        return float(v["value"].replace("Infinity", "inf"))
    if t == "function":
        return lambda *a: None
    if t == "SocketAddress":
        return net.SocketAddress(decode(v["options"]))
    if t == "BlockList":
        bl = net.BlockList()
        for op in v.get("ops", []):
            getattr(bl, op["method"])(*decode_args(op["args"]))
        return bl
    raise JsOnly(t)


def decode_args(args: list[Any]) -> list[Any]:
    """Positional arguments; a trailing ``undefined`` is an argument left out.

    An ``undefined`` before a given argument cannot be said positionally in
    Python, so such a case has no Python form.
    """
    out = [decode(a) for a in args]
    while out and out[-1] is UNDEFINED:
        out.pop()
    if any(a is UNDEFINED for a in out):
        raise JsOnly("undefined in the middle of the arguments")
    return out


def _js_type_to_py(m: re.Match[str]) -> str:
    kind, val = m.group(1), m.group(2)
    if kind == "string":
        return f"type str ({val})"
    if kind == "boolean":
        return f"type bool ({val.capitalize()})"
    if re.fullmatch(r"-?\d+", val):
        return f"type int ({val})"
    return f"type float ({_js_num(val)})"


def _js_num(val: str) -> str:
    return {"NaN": "nan", "Infinity": "inf", "-Infinity": "-inf"}.get(val, val)


def py_message(js: str) -> str:
    """Node's message with the received value printed the Python way."""
    s = re.sub(r"type (number|string|boolean) \((.*)\)", _js_type_to_py, js)
    s = re.sub(r"Received null\b", "Received None", s)
    s = re.sub(r"Received (NaN|-?Infinity)$", lambda m: f"Received {_js_num(m.group(1))}", s)
    s = re.sub(r"Received (true|false)$", lambda m: f"Received {m.group(1).capitalize()}", s)
    return s


def comparable_message(js: str) -> bool:
    """Whether the message prints only values that read alike in both languages."""
    return not re.search(r"an instance of|function |\{|\[|SocketAddress|BlockList|-0\b", js)


def expect_error(err: dict[str, Any], exc: BaseException) -> None:
    """``exc`` is the Python form of Node's error ``err``."""
    name, code = err["name"], err["code"]
    if code is None:
        # V8's own errors (JSON.parse's SyntaxError): a ValueError in Python.
        assert isinstance(exc, ValueError), repr(exc)
        return
    assert isinstance(exc, net.NodeError), repr(exc)
    assert exc.code == code, (exc.code, code, str(exc))
    if name == "TypeError":
        assert isinstance(exc, TypeError), repr(exc)
    elif name == "RangeError":
        assert isinstance(exc, ValueError), repr(exc)
    else:
        assert not isinstance(exc, (TypeError, ValueError)), repr(exc)
    if comparable_message(err["message"]):
        assert str(exc) == py_message(err["message"]), (str(exc), py_message(err["message"]))


def is_finite_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
