"""``tokionet.run()``: Node's process model on an asyncio loop.

The loop runs ``main`` and then until no referenced handle is active (a
listening server; a socket that is connecting, reading, writing or
closing). An exception raised by a listener, or an ``'error'`` nobody
listens to, ends the run: every handle is closed without further listeners
and the exception is raised from ``run()``.
"""

from __future__ import annotations

import asyncio
import inspect
import warnings
from collections.abc import Callable
from typing import Any

from tokionet import _tokionet
from tokionet._loop import new_event_loop

__all__ = ["run"]


async def _drive(ctx: Any, main: Callable[[], Any] | None) -> None:
    failed = ctx._begin_run()
    if main is not None:
        result = main()
        if inspect.isawaitable(result):
            task = asyncio.ensure_future(result)
            while not task.done():
                await asyncio.wait({task, failed}, return_when=asyncio.FIRST_COMPLETED)
                if failed.done():
                    if failed.exception() is not None:
                        task.cancel()
                        raise failed.exception()
                    # Idle while main still runs: keep watching for errors.
                    failed = ctx._wait_idle()
            task.result()
    if failed.done() and failed.exception() is not None:
        raise failed.exception()
    await ctx._wait_idle()


def _cancel_all_tasks(loop: asyncio.AbstractEventLoop) -> None:
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for t in tasks:
        t.cancel()
    if tasks:
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))


def _default_loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    with warnings.catch_warnings():
        # Policies are deprecated from Python 3.14 on, but still how
        # uvloop.install() asks for its loop.
        warnings.simplefilter("ignore", DeprecationWarning)
        policy = asyncio.get_event_loop_policy()
    if type(policy) is asyncio.DefaultEventLoopPolicy:
        return new_event_loop
    return policy.new_event_loop


def run(
    main: Callable[[], Any] | None = None,
    *,
    loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None,
) -> None:
    """Runs ``main`` (a function or a coroutine function) on a new event loop,
    then until nothing keeps the loop alive, as Node's process does.

    ``loop_factory`` makes the loop (``uvloop.new_event_loop`` for uvloop,
    ``asyncio.new_event_loop`` for asyncio's own). Without it the loop is
    tokionet's own [`EventLoop`][tokionet.EventLoop], unless an event loop
    policy other than asyncio's default is installed (``uvloop.install()``):
    then that policy's loop, as ``asyncio.run`` would make.
    """
    loop = (loop_factory or _default_loop_factory())()
    ctx = _tokionet._loop_ctx(loop)
    try:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(_drive(ctx, main))
    finally:
        try:
            ctx._end_run()
            ctx._close_all()
            _cancel_all_tasks(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            asyncio.set_event_loop(None)
            loop.close()
