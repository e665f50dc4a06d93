"""tokionet: Node.js v24's ``node:net`` for Python, on a tokio core.

Every name exists in its PEP 8 form (canonical) and under Node's spelling,
which is the very same object (``tokionet.isIPv4 is tokionet.is_ipv4``).
"""

from __future__ import annotations

from tokionet import _tokionet
from tokionet._errors import (
    AbortError,
    AggregateError,
    MaxListenersExceededWarning,
    NodeError,
    NodeRangeError,
    NodeTypeError,
)
from tokionet._events import once
from tokionet._tokionet import (
    BlockList,
    EventEmitter,
    SocketAddress,
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
    "AbortError",
    "AggregateError",
    "BlockList",
    "EventEmitter",
    "MaxListenersExceededWarning",
    "NodeError",
    "NodeRangeError",
    "NodeTypeError",
    "SocketAddress",
    "__version__",
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
    "once",
    "setDefaultAutoSelectFamily",
    "setDefaultAutoSelectFamilyAttemptTimeout",
    "set_default_auto_select_family",
    "set_default_auto_select_family_attempt_timeout",
]

# Node's spellings of the module functions.
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
