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


async def once(emitter: EventEmitter, name: object) -> tuple[Any, ...]:
    """Waits for ``name`` and returns its arguments as a tuple.

    Raises the error instead if ``'error'`` is emitted first (unless ``name`` is ``'error'``).
    Both listeners are gone when this returns, raises or is cancelled.
    """
    future: asyncio.Future[tuple[Any, ...]] = asyncio.get_running_loop().create_future()
    watch_errors = name != "error"

    # Each listener removes the other at once, as Node's do: an 'error' after the
    # event must not be swallowed while this coroutine waits to resume.
    def resolver(*args: Any) -> None:
        if watch_errors:
            emitter.remove_listener("error", on_error)
        if not future.done():
            future.set_result(args)

    def on_error(*args: Any) -> None:
        emitter.remove_listener(name, resolver)
        if not future.done():
            future.set_exception(_as_exception(args))

    emitter.once(name, resolver)
    if watch_errors:
        emitter.once("error", on_error)
    try:
        return await future
    finally:
        emitter.remove_listener(name, resolver)
        if watch_errors:
            emitter.remove_listener("error", on_error)
