"""Argument validation recorded from Node 24 (validation.json).

Each subject that tokionet implements runs here; the others are listed in
one skip with the reason, so the count of what is not covered stays visible.
"""

from __future__ import annotations

import asyncio
import socket
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import tokionet as net

from _vectors import UNDEFINED, JsOnly, decode, decode_args, expect_error, load


@pytest.fixture(autouse=True)
def restore_defaults() -> Iterator[None]:
    yield
    net.set_default_auto_select_family(True)
    net.set_default_auto_select_family_attempt_timeout(250)


def _defaults_state() -> dict[str, Any]:
    return {
        "getDefaultAutoSelectFamily": net.getDefaultAutoSelectFamily(),
        "getDefaultAutoSelectFamilyAttemptTimeout": net.getDefaultAutoSelectFamilyAttemptTimeout(),
    }


def _module_function(node_name: str) -> Callable[[list[Any]], Any]:
    return lambda args: getattr(net, node_name)(*args)


SUBJECTS: dict[str, Callable[[list[Any]], Any]] = {
    f"net.{name}": _module_function(name)
    for name in (
        "setDefaultAutoSelectFamily",
        "setDefaultAutoSelectFamilyAttemptTimeout",
        "getDefaultAutoSelectFamily",
        "getDefaultAutoSelectFamilyAttemptTimeout",
    )
}


def cases() -> list[dict[str, Any]]:
    return list(load("validation.json")["cases"])


def test_module_defaults_match_node() -> None:
    failures = []
    ran = 0
    for c in cases():
        run = SUBJECTS.get(c["subject"])
        if run is None:
            continue
        try:
            args = decode_args(c["args"])
        except JsOnly:
            continue
        ran += 1
        # Every case starts from Node's defaults.
        net.set_default_auto_select_family(True)
        net.set_default_auto_select_family_attempt_timeout(250)
        sync = c["sync"]
        try:
            got = run(args)
        except Exception as exc:
            if "error" not in sync:
                failures.append(f"{c['js']}: raised {exc!r}")
                continue
            try:
                expect_error(sync["error"], exc)
            except AssertionError as ae:
                failures.append(f"{c['js']}: {ae}")
        else:
            expected = decode(sync.get("returned"))
            if "error" in sync:
                failures.append(f"{c['js']}: returned {got!r}, expected {sync['error']}")
            elif got != (None if sync["returned"] == {"$type": "undefined"} else expected):
                failures.append(f"{c['js']}: returned {got!r}, expected {expected!r}")
        if "state" in c and _defaults_state() != c["state"]:
            failures.append(f"{c['js']}: state {_defaults_state()} != {c['state']}")
    assert not failures, "\n".join(failures)
    assert ran >= 10


# --- Server and Socket subjects (on a real loop, loopback only) -----------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fill_closed_port(v: Any, port: int) -> Any:
    if isinstance(v, dict):
        if v.get("$type") == "closed_port":
            return port
        return {k: _fill_closed_port(x, port) for k, x in v.items()}
    if isinstance(v, list):
        return [_fill_closed_port(x, port) for x in v]
    return v


def _normalise_port(value: Any, port: int | None) -> Any:
    if isinstance(value, str) and port is not None:
        return value.replace(str(port), "{port}")
    if value == port:
        return "{port}"
    return value


def _event_of(obj: Any, loop: asyncio.AbstractEventLoop) -> asyncio.Future[dict[str, Any]]:
    fut: asyncio.Future[dict[str, Any]] = loop.create_future()

    def on(name: str) -> Callable[..., None]:
        def handler(*args: Any) -> None:
            if fut.done():
                return
            if name == "error":
                fut.set_result({"event": "error", "exc": args[0]})
            else:
                fut.set_result({"event": name})

        return handler

    for name in ("error", "listening", "connect"):
        obj.on(name, on(name))
    return fut


def _error_record(exc: BaseException, port: int | None) -> dict[str, Any]:
    rec: dict[str, Any] = {"code": getattr(exc, "code", None)}
    rec["message"] = _normalise_port(str(exc), port)
    for key in ("syscall", "address"):
        if hasattr(exc, key):
            rec[key] = getattr(exc, key)
    if isinstance(exc, OSError) and exc.errno is not None:
        rec["errno"] = exc.errno
    if hasattr(exc, "port"):
        rec["port"] = _normalise_port(exc.port, port)
    return rec


def _expected_error_record(err: dict[str, Any]) -> dict[str, Any]:
    rec = {"code": err["code"], "message": err["message"]}
    for key in ("syscall", "address", "port"):
        if key in err:
            rec[key] = err[key]
    if "errno" in err:
        rec["errno"] = abs(err["errno"])
    return rec


def _state(obj: Any, keys: list[str]) -> dict[str, Any]:
    return {k: getattr(obj, k) for k in keys}


async def _run_case(c: dict[str, Any]) -> str | None:
    loop = asyncio.get_running_loop()
    port = _closed_port()
    subject = c["subject"]
    raw_args = _fill_closed_port(c["args"], port)
    try:
        args = decode_args(raw_args)
    except JsOnly:
        return None
    cleanup: list[Any] = []
    target: Any = None
    try:
        if subject == "server.listen":
            target = net.create_server()
            cleanup.append(target)
            call: Callable[[], Any] = lambda: target.listen(*args)  # noqa: E731
        elif subject == "server.listen.after_listening":
            target = net.create_server()
            cleanup.append(target)
            target.listen(0, "127.0.0.1")
            await asyncio.wait_for(_event_of(target, loop), 2)
            call = lambda: target.listen(*args)  # noqa: E731
        elif subject in ("net.connect", "net.createConnection"):
            call = lambda: getattr(net, subject.split(".")[1])(*args)  # noqa: E731
        elif subject == "socket.connect":
            target = net.Socket()
            call = lambda: target.connect(*args)  # noqa: E731
        elif subject in ("new net.Socket", "net.Socket"):
            call = lambda: net.Socket(*args)  # noqa: E731
        elif subject in ("new net.Server", "net.Server", "net.createServer"):
            call = lambda: (net.create_server if subject == "net.createServer" else net.Server)(*args)  # noqa: E731
        elif subject.startswith("socket."):
            target = net.Socket()
            method = getattr(target, subject.split(".", 1)[1])
            call = lambda: method(*args)  # noqa: E731
        elif subject.startswith("server.") and subject != "server.maxConnections=":
            target = net.create_server()
            method = getattr(target, subject.split(".", 1)[1])
            calls: list[tuple[Any, ...]] = []
            args = [(lambda *a: calls.append(a)) if callable(a) else a for a in args]
            close_events: list[bool] = []
            target.on("close", lambda: close_events.append(True))
            call = lambda: method(*args)  # noqa: E731
        elif subject == "server.maxConnections=":
            target = net.create_server()

            def call() -> None:
                target.maxConnections = args[0]

        elif subject == "scenario.eaddrinuse":
            s1 = net.create_server()
            cleanup.append(s1)
            s1.listen(0, "127.0.0.1")
            await asyncio.wait_for(_event_of(s1, loop), 2)
            port = s1.address()["port"]
            target = net.create_server()
            cleanup.append(target)
            call = lambda: target.listen(port, "127.0.0.1")  # noqa: E731
        elif subject == "scenario.econnrefused":
            call = lambda: net.connect(port, "127.0.0.1")  # noqa: E731
        elif subject == "scenario.blocklist_connect":
            bl = net.BlockList()
            for method_name, margs in args[0]:
                getattr(bl, method_name)(*margs)
            call = lambda: net.connect({"port": port, "host": "127.0.0.1", "blockList": bl})  # noqa: E731
        else:
            return f"{c['js']}: no runner for subject {subject}"

        sync = c["sync"]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                got = call()
            except NotImplementedError:
                return "pending"
            except Exception as exc:
                if "error" not in sync:
                    return f"{c['js']}: raised {exc!r}"
                try:
                    expect_error(sync["error"], exc)
                except AssertionError as ae:
                    return f"{c['js']}: {ae}"
                got = None
        if "error" not in sync:
            ret = sync["returned"]
            if ret == "this":
                if got is not target:
                    return f"{c['js']}: returned {got!r}, expected the receiver"
            elif ret == {"$type": "Socket"}:
                if not isinstance(got, net.Socket):
                    return f"{c['js']}: returned {got!r}, expected a Socket"
                cleanup.append(got)
                target = got
            elif ret == {"$type": "Server"}:
                if not isinstance(got, net.Server):
                    return f"{c['js']}: returned {got!r}, expected a Server"
                target = got
            else:
                expected = None if ret == {"$type": "undefined"} else decode(ret)
                if got != expected:
                    return f"{c['js']}: returned {got!r}, expected {expected!r}"
        if "warnings" in c:
            got_w = [{"name": type(w.message).__name__, "message": str(w.message)} for w in caught]
            if got_w != c["warnings"]:
                return f"{c['js']}: warnings {got_w} != {c['warnings']}"
        if "events" in c and "error" not in sync:
            expected_events = c["events"]
            try:
                ev = await asyncio.wait_for(_event_of(target, loop), 1.5)
            except asyncio.TimeoutError:
                ev = None
            if not expected_events:
                if ev is not None:
                    return f"{c['js']}: got {ev}, expected no event"
            elif ev is None:
                return f"{c['js']}: no event, expected {expected_events[0]}"
            else:
                want = expected_events[0]
                if ev["event"] != want["event"]:
                    return f"{c['js']}: event {ev}, expected {want}"
                if want["event"] == "error":
                    got_rec = _error_record(ev["exc"], port)
                    want_rec = _expected_error_record(want["error"])
                    if got_rec != want_rec:
                        return f"{c['js']}: error {got_rec} != {want_rec}"
                if want["event"] == "listening":
                    addr = target.address()
                    if isinstance(addr, dict):
                        addr = {**addr, "port": "{port}"}
                    if addr != want["address"]:
                        return f"{c['js']}: address {addr} != {want['address']}"
        if "state" in c:
            state = c["state"]
            if subject.startswith("server.") and "callback_calls" in state:
                await asyncio.sleep(0.05)
                if [list(a) for a in calls] != state["callback_calls"]:
                    return f"{c['js']}: callback calls {calls} != {state['callback_calls']}"
                if bool(close_events) != state["close_event"]:
                    return f"{c['js']}: close event {close_events}"
            else:
                want_state = {k: decode(v) for k, v in state.items()}
                want_state = {k: (None if v is UNDEFINED else v) for k, v in want_state.items()}
                got_state = _state(target, list(want_state))
                if repr(got_state) != repr(want_state):
                    return f"{c['js']}: state {got_state} != {want_state}"
        return None
    finally:
        for obj in cleanup:
            if isinstance(obj, net.Server):
                obj.close()
            elif isinstance(obj, net.Socket):
                obj.destroy()
        await asyncio.sleep(0)


SOCKET_SUBJECTS = {
    "server.listen",
    "server.listen.after_listening",
    "net.connect",
    "net.createConnection",
    "socket.connect",
    "new net.Socket",
    "new net.Server",
    "net.createServer",
    "socket.setTimeout",
    "socket.setKeepAlive",
    "socket.setNoDelay",
    "socket.setTypeOfService",
    "socket.write",
    "socket.address",
    "server.address",
    "server.close",
    "server.maxConnections=",
    "scenario.eaddrinuse",
    "scenario.econnrefused",
    "scenario.blocklist_connect",
}


def test_server_and_socket_subjects_match_node(tmp_path: Any, monkeypatch: Any) -> None:
    # Relative Unix socket paths are made in a private directory, as Node's were.
    monkeypatch.chdir(tmp_path)
    todo = [c for c in cases() if c["subject"] in SOCKET_SUBJECTS]

    async def main() -> tuple[list[str], list[str]]:
        failures, pending = [], []
        for c in todo:
            out = await asyncio.wait_for(_run_case(c), 10)
            if out == "pending":
                pending.append(c["js"])
            elif out:
                failures.append(out)
        return failures, pending

    failures, pending = asyncio.run(main())
    assert not failures, f"{len(failures)} of {len(todo)} differ:\n" + "\n".join(failures)
    # Every case runs now (IPC included): nothing may be left pending.
    assert not pending, pending
    assert len(todo) >= 110


def test_every_subject_has_a_runner() -> None:
    unknown = sorted({c["subject"] for c in cases()} - set(SUBJECTS) - SOCKET_SUBJECTS)
    assert not unknown, f"subjects with no runner: {unknown}"
