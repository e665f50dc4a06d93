"""Node's error classes, mapped onto Python's.

Node's ``TypeError`` becomes a ``TypeError``, its ``RangeError`` a
``ValueError``, every other coded error a :class:`NodeError`; each of them
is also a :class:`NodeError` with Node's ``code``. System errors keep the
``OSError`` subclass Python names for their errno (``ConnectionRefusedError``
...) with Node's fields and message. The Rust core raises all of them through
one conversion (``src/python/errors.rs``).
"""

from __future__ import annotations

__all__ = [
    "AbortError",
    "AggregateError",
    "MaxListenersExceededWarning",
    "NodeError",
    "NodeRangeError",
    "NodeTypeError",
]


class NodeError(Exception):
    """An error Node reports with a ``code`` (``ERR_SERVER_NOT_RUNNING``, ...)."""

    code: str | None

    def __init__(self, message: str = "", code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class NodeTypeError(NodeError, TypeError):
    """Node's ``TypeError`` (``ERR_INVALID_ARG_TYPE``, ``ERR_INVALID_ARG_VALUE``, ...)."""


class NodeRangeError(NodeError, ValueError):
    """Node's ``RangeError`` (``ERR_OUT_OF_RANGE``, ``ERR_SOCKET_BAD_PORT``, ...)."""


class AbortError(NodeError):
    """An operation cancelled through an ``AbortSignal`` (code ``ABORT_ERR``)."""

    def __init__(self, message: str = "The operation was aborted", code: str | None = "ABORT_ERR") -> None:
        super().__init__(message, code)


class AggregateError(NodeError):
    """Every connection attempt failed; ``errors`` lists them, ``code`` is the first one's."""

    errors: list[BaseException]

    def __init__(self, errors: list[BaseException], message: str = "") -> None:
        first = errors[0] if errors else None
        super().__init__(message, getattr(first, "code", None))
        self.errors = list(errors)


class MaxListenersExceededWarning(RuntimeWarning):
    """More listeners for one event than ``get_max_listeners()`` allows: a likely leak.

    As on Node's warning, ``emitter``, ``type`` (the event name) and ``count`` say where.
    """

    emitter: object
    type: object
    count: int

    def __init__(self, message: str, emitter: object = None, type: object = None, count: int = 0) -> None:
        super().__init__(message)
        self.emitter = emitter
        self.type = type
        self.count = count


def _system_str(self: OSError) -> str:
    return str(self.strerror)


_SYSTEM_CLASSES: dict[type[OSError], type[OSError]] = {}


def _system_class(errno: int) -> type[OSError]:
    base = type(OSError(errno, ""))
    cls = _SYSTEM_CLASSES.get(base)
    if cls is None:
        cls = type(base.__name__, (base, NodeError), {"__module__": __name__, "__str__": _system_str})
        _SYSTEM_CLASSES[base] = cls
    return cls


def _system_error(
    errno: int,
    code: str,
    message: str,
    syscall: str,
    address: str | None,
    port: int | None,
    local_address: str | None,
    local_port: int | None,
) -> OSError:
    """A system error: the ``OSError`` subclass for ``errno``, with Node's fields."""
    err = _system_class(errno)(errno, message)
    err.code = code  # type: ignore[attr-defined]
    err.syscall = syscall  # type: ignore[attr-defined]
    if address is not None:
        err.address = address  # type: ignore[attr-defined]
    if port is not None:
        err.port = port  # type: ignore[attr-defined]
    if local_address is not None:
        # Node's names and the PEP 8 ones, as for every other attribute.
        err.local_address = err.localAddress = local_address  # type: ignore[attr-defined]
        err.local_port = err.localPort = local_port  # type: ignore[attr-defined]
    return err


class TimeoutOverflowWarning(RuntimeWarning):
    """A timeout above 2**31 - 1 ms was truncated, as Node warns."""
