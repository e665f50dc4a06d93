"""``AbortController`` and ``AbortSignal`` (the web API Node's ``signal``
options take), and how a signal ends a socket or a server: an abort destroys
the socket with an ``AbortError`` (code ``ABORT_ERR``, ``cause`` the
signal's reason) and closes the server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from tokionet._errors import AbortError

__all__ = ["AbortController", "AbortSignal", "attach_server", "attach_socket"]


class AbortSignal:
    """Tells whether an operation was aborted, and why."""

    def __init__(self) -> None:
        self.aborted = False
        self.reason: Any = None
        self.onabort: Callable[[Any], object] | None = None
        self._listeners: list[tuple[Callable[[Any], object], bool]] = []

    def add_event_listener(self, type: str, listener: Callable[[Any], object], options: Any = None) -> None:
        if type != "abort" or any(cb is listener for cb, _ in self._listeners):
            return
        once = bool(options.get("once")) if isinstance(options, dict) else False
        self._listeners.append((listener, once))

    def remove_event_listener(
        self, type: str, listener: Callable[[Any], object], options: Any = None
    ) -> None:
        self._listeners = [(cb, once) for cb, once in self._listeners if cb is not listener]

    def throw_if_aborted(self) -> None:
        if self.aborted:
            raise self.reason

    def _abort(self, reason: Any) -> None:
        if self.aborted:
            return
        self.aborted = True
        self.reason = AbortError("This operation was aborted") if reason is None else reason
        event = {"type": "abort", "target": self}
        listeners, self._listeners = self._listeners, [(cb, o) for cb, o in self._listeners if not o]
        if self.onabort is not None:
            self.onabort(event)
        for cb, _ in listeners:
            cb(event)

    @staticmethod
    def abort(reason: Any = None) -> AbortSignal:
        """A signal that is already aborted."""
        signal = AbortSignal()
        signal._abort(reason)
        return signal

    @staticmethod
    def timeout(ms: float) -> AbortSignal:
        """A signal that aborts after ``ms`` milliseconds (on the running loop)."""
        signal = AbortSignal()
        asyncio.get_running_loop().call_later(
            ms / 1000, signal._abort, TimeoutError("The operation was aborted due to timeout")
        )
        return signal

    addEventListener = add_event_listener
    removeEventListener = remove_event_listener
    throwIfAborted = throw_if_aborted


class AbortController:
    """Owns a signal and aborts it."""

    def __init__(self) -> None:
        self.signal = AbortSignal()

    def abort(self, reason: Any = None) -> None:
        self.signal._abort(reason)


def _abort_error(signal: Any) -> AbortError:
    err = AbortError()
    err.cause = getattr(signal, "reason", None)  # type: ignore[attr-defined]
    return err


def attach_socket(sock: Any, signal: Any) -> None:
    """Node's ``addAbortSignal``: an abort destroys the socket."""
    if signal.aborted:
        sock.destroy(_abort_error(signal))
        return

    def on_abort(event: Any) -> None:
        sock.destroy(_abort_error(signal))

    signal.add_event_listener("abort", on_abort, {"once": True})
    sock.once("close", lambda *a: signal.remove_event_listener("abort", on_abort))


def attach_server(server: Any, signal: Any) -> None:
    """``listen({signal})``: an abort closes the server (on the next tick
    when the signal is already aborted)."""
    if signal.aborted:
        server._close_later()
        return

    def on_abort(event: Any) -> None:
        server.close()

    signal.add_event_listener("abort", on_abort, {"once": True})
    server.once("close", lambda *a: signal.remove_event_listener("abort", on_abort))


def _find_signal(options: Any, kwargs: dict[str, Any]) -> Any:
    if "signal" in kwargs:
        return kwargs["signal"]
    if isinstance(options, dict):
        return options.get("signal")
    return None


def socket_init(self: Any, options: Any = None, /, **kwargs: Any) -> None:
    """``Socket.__init__``: the Rust constructor has validated the options;
    this opens a given descriptor and wires the ``signal`` option, which
    need the finished object."""
    self._after_init()
    signal = _find_signal(options, kwargs)
    if signal is not None:
        attach_socket(self, signal)
