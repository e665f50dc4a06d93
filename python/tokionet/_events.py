"""``await tokionet.once(emitter, name)``: Node's ``events.once`` for asyncio."""

from __future__ import annotations

import asyncio
from typing import Any

from tokionet._errors import NodeError
from tokionet._tokionet import EventEmitter

__all__ = ["once"]


def _as_exception(args: tuple[Any, ...]) -> BaseException:
    """What an ``'error'`` event's arguments raise: the error, or Node's wrapper for a non-exception."""
    if args and isinstance(args[0], BaseException):
        return args[0]
    err = NodeError(f"Unhandled error. ({args[0]!r})" if args else "Unhandled error.", "ERR_UNHANDLED_ERROR")
    err.context = args[0] if args else None  # type: ignore[attr-defined]
    return err


def once(emitter: EventEmitter, name: object) -> asyncio.Future[tuple[Any, ...]]:
    """Waits for ``name``: ``await once(emitter, name)`` returns its arguments as a tuple.

    Raises the error instead if ``'error'`` is emitted first (unless ``name`` is ``'error'``).
    As Node's ``events.once``, it listens from the call (not from the first ``await``), so
    an event emitted before the returned future is awaited is not missed. Both listeners
    are gone once the future is done, failed or cancelled. Needs a running loop.
    """
    future: asyncio.Future[tuple[Any, ...]] = asyncio.get_running_loop().create_future()
    watch_errors = name != "error"

    # Each listener removes the other at once, as Node's do: an 'error' after the
    # event must not be swallowed while the awaiting task waits to resume.
    def resolver(*args: Any) -> None:
        if watch_errors:
            emitter.remove_listener("error", on_error)
        if not future.done():
            future.set_result(args)

    def on_error(*args: Any) -> None:
        emitter.remove_listener(name, resolver)
        if not future.done():
            future.set_exception(_as_exception(args))

    def cleanup(_: asyncio.Future[tuple[Any, ...]]) -> None:
        emitter.remove_listener(name, resolver)
        if watch_errors:
            emitter.remove_listener("error", on_error)

    emitter.once(name, resolver)
    if watch_errors:
        emitter.once("error", on_error)
    future.add_done_callback(cleanup)
    return future
