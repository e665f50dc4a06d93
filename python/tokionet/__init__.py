"""tokionet: Node.js v24's ``node:net`` for Python, on a tokio core.

Every name exists in its PEP 8 form (canonical) and under Node's spelling,
which is the very same object (``tokionet.isIPv4 is tokionet.is_ipv4``).
"""

from __future__ import annotations

from typing import Any

from tokionet import _abort, _stream, _tokionet
from tokionet._abort import AbortController, AbortSignal
from tokionet._errors import (
    AbortError,
    AggregateError,
    MaxListenersExceededWarning,
    NodeError,
    NodeRangeError,
    NodeTypeError,
    TimeoutOverflowWarning,
)
from tokionet._events import once
from tokionet._loop import EventLoop, new_event_loop
from tokionet._run import run
from tokionet._tokionet import (
    BlockList,
    EventEmitter,
    Server,
    Socket,
    SocketAddress,
    configure,
    connect,
    get_default_auto_select_family,
    get_default_auto_select_family_attempt_timeout,
    is_ip,
    is_ipv4,
    is_ipv6,
    set_default_auto_select_family,
    set_default_auto_select_family_attempt_timeout,
)

__version__: str = _tokionet.__version__

__all__ = [
    "AbortController",
    "AbortError",
    "AbortSignal",
    "AggregateError",
    "BlockList",
    "EventEmitter",
    "EventLoop",
    "MaxListenersExceededWarning",
    "NodeError",
    "NodeRangeError",
    "NodeTypeError",
    "Server",
    "Socket",
    "SocketAddress",
    "Stream",
    "TimeoutOverflowWarning",
    "__version__",
    "configure",
    "connect",
    "createConnection",
    "createServer",
    "create_connection",
    "create_server",
    "getDefaultAutoSelectFamily",
    "getDefaultAutoSelectFamilyAttemptTimeout",
    "get_default_auto_select_family",
    "get_default_auto_select_family_attempt_timeout",
    "isIP",
    "isIPv4",
    "isIPv6",
    "is_ip",
    "is_ipv4",
    "is_ipv6",
    "new_event_loop",
    "once",
    "run",
    "setDefaultAutoSelectFamily",
    "setDefaultAutoSelectFamilyAttemptTimeout",
    "set_default_auto_select_family",
    "set_default_auto_select_family_attempt_timeout",
]

Stream = Socket


def create_server(*args: Any, **kwargs: Any) -> Server:
    """``net.createServer([options][, connection_listener])``."""
    return Server(*args, **kwargs)


create_connection = connect

# Node's spellings of the module functions.
createServer = create_server
createConnection = connect
isIP = is_ip
isIPv4 = is_ipv4
isIPv6 = is_ipv6
getDefaultAutoSelectFamily = get_default_auto_select_family
setDefaultAutoSelectFamily = set_default_auto_select_family
getDefaultAutoSelectFamilyAttemptTimeout = get_default_auto_select_family_attempt_timeout
setDefaultAutoSelectFamilyAttemptTimeout = set_default_auto_select_family_attempt_timeout


def _alias(cls: type, names: dict[str, str]) -> None:
    """Adds Node's names to a class as the very same descriptors."""
    for node_name, pep8_name in names.items():
        setattr(cls, node_name, cls.__dict__[pep8_name])


_alias(
    BlockList,
    {
        "addAddress": "add_address",
        "addRange": "add_range",
        "addSubnet": "add_subnet",
        "toJSON": "to_json",
        "fromJSON": "from_json",
        "isBlockList": "is_block_list",
    },
)
_alias(
    Socket,
    {
        "setEncoding": "set_encoding",
        "setKeepAlive": "set_keep_alive",
        "setNoDelay": "set_no_delay",
        "setTimeout": "set_timeout",
        "setTypeOfService": "set_type_of_service",
        "getTypeOfService": "get_type_of_service",
        "destroySoon": "destroy_soon",
        "resetAndDestroy": "reset_and_destroy",
        "isPaused": "is_paused",
        "bytesRead": "bytes_read",
        "bytesWritten": "bytes_written",
        "bufferSize": "buffer_size",
        "readyState": "ready_state",
        "remoteAddress": "remote_address",
        "remotePort": "remote_port",
        "remoteFamily": "remote_family",
        "localAddress": "local_address",
        "localPort": "local_port",
        "localFamily": "local_family",
        "writableLength": "writable_length",
        "writableHighWaterMark": "writable_high_water_mark",
        "readableLength": "readable_length",
        "readableEnded": "readable_ended",
        "writableEnded": "writable_ended",
        "writableFinished": "writable_finished",
        "allowHalfOpen": "allow_half_open",
        "blockList": "block_list",
        "autoSelectFamilyAttemptedAddresses": "auto_select_family_attempted_addresses",
    },
)
_alias(
    Server,
    {
        "getConnections": "get_connections",
        "maxConnections": "max_connections",
        "dropMaxConnection": "drop_max_connection",
        "allowHalfOpen": "allow_half_open",
        "pauseOnConnect": "pause_on_connect",
        "noDelay": "no_delay",
        "keepAlive": "keep_alive",
        "keepAliveInitialDelay": "keep_alive_initial_delay",
        "highWaterMark": "high_water_mark",
        "blockList": "block_list",
    },
)
# Glue that is Python's to do: pipes, async iteration, async with, and the
# abort signal (which needs the finished object).
Socket.__init__ = _abort.socket_init  # type: ignore[method-assign]
Socket.pipe = _stream.pipe  # type: ignore[method-assign,assignment]
Socket.unpipe = _stream.unpipe  # type: ignore[method-assign]
Socket.__aiter__ = _stream.aiter_socket  # type: ignore[method-assign]
Server.__aenter__ = _stream.server_aenter  # type: ignore[method-assign]
Server.__aexit__ = _stream.server_aexit  # type: ignore[method-assign]

_alias(
    SocketAddress,
    {
        "toJSON": "to_json",
        "isSocketAddress": "is_socket_address",
    },
)
_alias(
    EventEmitter,
    {
        # Node's `on` and `off` are its `addListener` and `removeListener`.
        "on": "add_listener",
        "off": "remove_listener",
        "addListener": "add_listener",
        "removeListener": "remove_listener",
        "removeAllListeners": "remove_all_listeners",
        "prependListener": "prepend_listener",
        "prependOnceListener": "prepend_once_listener",
        "listenerCount": "listener_count",
        "eventNames": "event_names",
        "setMaxListeners": "set_max_listeners",
        "getMaxListeners": "get_max_listeners",
        "rawListeners": "raw_listeners",
    },
)
