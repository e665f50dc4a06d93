"""tokionet's own event loop: asyncio's selector loop on the hub's epoll set.

On any event loop, tokionet's sockets live in one epoll set per loop, whose
descriptor the loop watches: each wake-up then costs the loop's own poll, a
callback, and a second ``epoll_wait`` on that set to learn which sockets
are ready. ``EventLoop`` makes that epoll set the loop's poller, so one
``epoll_wait`` reports both tokionet's sockets (served inside it, with no
loop callback between) and every descriptor the loop itself watches. It is
asyncio's ``SelectorEventLoop`` in everything else, and the loop
``tokionet.run()`` uses by default.
"""

from __future__ import annotations

import asyncio
import selectors

from tokionet import _tokionet

__all__ = ["EventLoop", "new_event_loop"]


class _HubSelector(selectors.EpollSelector):
    """``selectors.EpollSelector`` whose epoll object is the hub's set."""

    _selector_cls = _tokionet.HubPoller


class EventLoop(asyncio.SelectorEventLoop):
    """An asyncio event loop whose poller is tokionet's epoll set (Linux)."""

    def __init__(self) -> None:
        selector = _HubSelector()
        self._tokionet_poller = selector._selector  # type: ignore[attr-defined]
        super().__init__(selector)
        # The poller keeps serving sockets inside one select() while these
        # say asyncio has nothing to do; stop() below wakes it.
        self._tokionet_poller._watch(self._ready, self._scheduled)  # type: ignore[attr-defined]

    def stop(self) -> None:
        super().stop()
        # stop() only sets a flag, which the poller does not read: a wake-up
        # ends the select() it may be in (a listener's loop.stop()).
        self._write_to_self()  # type: ignore[attr-defined]


def new_event_loop() -> EventLoop:
    """A new [`EventLoop`][tokionet.EventLoop] (for ``loop_factory=`` arguments)."""
    return EventLoop()
