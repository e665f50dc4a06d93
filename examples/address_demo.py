"""A tour of the socket-free part of tokionet: isIP, SocketAddress, BlockList.

Run: python examples/address_demo.py
"""

from __future__ import annotations

import tokionet as net


def main() -> None:
    for text in ("127.0.0.1", "::ffff:10.0.0.1", "fe80::1%eth0", "01.2.3.4", "1.2.3.4\n"):
        print(f"is_ip({text!r}) = {net.is_ip(text)}")

    sa = net.SocketAddress(address="0:0:0:0:0:0:0:1", family="ipv6", port=8080)
    print(sa)
    print("parse('127.1:443') ->", net.SocketAddress.parse("127.1:443"))
    print("parse('[::1]:80')  ->", net.SocketAddress.parse("[::1]:80"), "(80 is http's default port)")

    bl = net.BlockList()
    bl.add_subnet("10.0.0.0", 8)
    bl.addRange("192.168.0.10", "192.168.0.20")
    bl.add_address("2001:db8::1", "ipv6")
    print("rules:", bl.rules)
    for probe, family in (("10.1.2.3", "ipv4"), ("::ffff:10.9.9.9", "ipv6"), ("192.168.0.21", "ipv4")):
        print(f"check({probe!r}, {family!r}) = {bl.check(probe, family)}")

    try:
        bl.add_subnet("10.0.0.0", 33)
    except ValueError as err:
        print(f"{type(err).__name__} [{err.code}]: {err}")  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
