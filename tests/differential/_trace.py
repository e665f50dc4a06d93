"""Trace helpers shared by the Python side of the differential scenarios.

A trace is one JSON object per line on stdout.  The Node twin is
``tests/node/_trace.js``; both normalise values the same way:

* nothing that varies between runs is printed (ports, pids, timings): ports
  become ``"<port>"`` (or a named placeholder chosen by the scenario);
* errors become ``{name, code, errno (absolute value), syscall, address,
  port, message}`` with keys whose value is ``None`` left out and the trailing
  ``:<digits>`` of a message (a port) replaced by ``:<port>``.  ``name`` is
  Node's error class: ``TypeError`` for a ``TypeError``, ``RangeError`` for a
  ``ValueError``, ``AggregateError``/``AbortError`` for those, else ``Error``;
* data becomes ``{data: text, type: 'bytes' | 'str'}``: bytes are decoded as
  latin-1 (one char per byte), str is printed as it is.

Node's ``errno`` is negative and Python's positive, so both print ``abs()``.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from typing import Any

_PORT_SUFFIX = re.compile(r":\d+$")


def emit(side: str, event: str, **fields: Any) -> None:
    """Prints one trace line (``side`` and ``event`` first, as the Node twin does)."""
    line = {"side": side, "event": event, **fields}
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


def norm_message(message: str) -> str:
    return _PORT_SUFFIX.sub(":<port>", str(message))


def error_name(err: BaseException) -> str:
    """Node's ``err.name`` for the Python class the contract maps it to."""
    names = [cls.__name__ for cls in type(err).__mro__]
    for special in ("AggregateError", "AbortError"):
        if special in names:
            return special
    if isinstance(err, TypeError):
        return "TypeError"
    if isinstance(err, ValueError):
        return "RangeError"
    return "Error"


def error_fields(err: BaseException | None) -> dict[str, Any] | None:
    if err is None:
        return None
    out: dict[str, Any] = {"name": error_name(err)}
    code = getattr(err, "code", None)
    if code is not None:
        out["code"] = code
    errno = getattr(err, "errno", None)
    if isinstance(errno, int):
        out["errno"] = abs(errno)
    for key in ("syscall", "address"):
        value = getattr(err, key, None)
        if value is not None:
            out[key] = value
    if getattr(err, "port", None) is not None:
        out["port"] = "<port>"
    out["message"] = norm_message(str(err))
    return out


def data_fields(chunk: bytes | bytearray | memoryview | str) -> dict[str, str]:
    if isinstance(chunk, str):
        return {"data": chunk, "type": "str"}
    return {"data": bytes(chunk).decode("latin-1"), "type": "bytes"}


def _fire() -> None:
    sys.stdout.write(json.dumps({"event": "watchdog"}) + "\n")
    sys.stdout.flush()
    os._exit(3)


def watchdog(seconds: float = 4.0) -> None:
    """Fail safe: after ``seconds``, print a watchdog line and exit with status 3.

    A daemon thread, not a loop timer: it fires even if the event loop is
    stuck, and it never keeps ``tokionet.run`` alive.
    """
    timer = threading.Timer(seconds, _fire)
    timer.daemon = True
    timer.start()


def python_check(side: str, ok: bool, what: str) -> None:
    """A Python-only expectation (an exception class, say): prints a line only when it fails.

    The Node trace has no such line, so a failed check shows up in the diff.
    """
    if not ok:
        emit(side, "pythonCheckFailed", what=what)
