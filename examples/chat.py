"""A line-based chat server: each client picks a nickname, every line it
sends goes to everyone else, `/who` lists who is here and `/quit` leaves.
A scripted conversation between three clients follows, every line printed.

Run: python examples/chat.py
Try it by hand: python examples/chat.py --serve 7000   (then `nc 127.0.0.1 7000`)
"""

from __future__ import annotations

import asyncio
import sys

import tokionet as net

# Every wait of the scripted demo is bounded: a line that never comes fails it.
WAIT_S = 5.0


class Member:
    """One connection: its socket, its nickname once chosen, and the text
    received after its last complete line."""

    def __init__(self, sock: net.Socket) -> None:
        self.sock = sock
        self.nick: str | None = None
        self.pending = ""

    def send(self, line: str) -> None:
        if self.sock.writable:
            self.sock.write(line + "\n")


class ChatServer:
    def __init__(self) -> None:
        self.members: dict[str, Member] = {}
        self.server = net.create_server(self.on_connection)

    def on_connection(self, sock: net.Socket) -> None:
        print(f"server: connection from {sock.remote_address}")
        member = Member(sock)
        sock.set_encoding("utf8")
        member.send("welcome! your nickname?")

        def on_data(text: str) -> None:
            member.pending += text
            *lines, member.pending = member.pending.split("\n")
            for line in lines:
                self.on_line(member, line.rstrip("\r"))

        sock.on("data", on_data)
        # A peer that vanishes (reset) gets 'error' then 'close': leave quietly.
        sock.on("error", lambda err: print(f"server: {member.nick}: {err}"))
        sock.on("close", lambda had_error: self.leave(member))

    def broadcast(self, line: str, sender: Member | None = None) -> None:
        for member in self.members.values():
            if member is not sender:
                member.send(line)

    def on_line(self, member: Member, line: str) -> None:
        if member.nick is None:
            nick = line.strip()
            if not nick or " " in nick or nick.startswith("/"):
                member.send("a nickname is one word; your nickname?")
            elif nick in self.members:
                member.send(f"{nick} is taken; your nickname?")
            else:
                others = ", ".join(self.members) or "nobody else"
                member.nick = nick
                self.members[nick] = member
                print(f"server: {nick} joined")
                member.send(f"hello {nick}; here: {others}")
                self.broadcast(f"* {nick} joined", sender=member)
        elif line == "/quit":
            member.send(f"bye {member.nick}")
            self.leave(member)
            member.sock.end()
        elif line == "/who":
            member.send("here: " + ", ".join(self.members))
        elif line.startswith("/"):
            member.send(f"unknown command {line.split()[0]}; try /who or /quit")
        elif line:
            self.broadcast(f"<{member.nick}> {line}", sender=member)

    def leave(self, member: Member) -> None:
        if member.nick is not None and self.members.get(member.nick) is member:
            del self.members[member.nick]
            print(f"server: {member.nick} left")
            self.broadcast(f"* {member.nick} left")


class Client:
    """A scripted chat client: prints what it says and every line it gets."""

    def __init__(self, name: str, port: int) -> None:
        self.name = name
        self.lines: asyncio.Queue[str] = asyncio.Queue()
        self.closed = asyncio.Event()
        self.pending = ""
        self.sock = net.connect(port, "127.0.0.1")
        self.sock.set_encoding("utf8")
        self.sock.on("data", self.on_data)
        self.sock.on("close", lambda had_error: self.closed.set())

    def on_data(self, text: str) -> None:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            self.lines.put_nowait(line)

    def say(self, line: str) -> None:
        print(f"{self.name:>5} -> {line}")
        self.sock.write(line + "\n")

    async def hear(self) -> str:
        line = await asyncio.wait_for(self.lines.get(), WAIT_S)
        print(f"{self.name:>5} <- {line}")
        return line

    async def join(self, *nicks: str) -> None:
        """Reads the prompt, then offers each nickname until one is taken."""
        await self.hear()
        for nick in nicks:
            self.say(nick)
            if (await self.hear()).startswith("hello"):
                return
        raise RuntimeError(f"{self.name}: no nickname accepted")

    async def quit(self) -> None:
        self.say("/quit")
        await self.hear()
        await asyncio.wait_for(self.closed.wait(), WAIT_S)
        print(f"{self.name:>5}: disconnected")


async def demo() -> None:
    chat = ChatServer()
    chat.server.listen(0, "127.0.0.1")
    await net.once(chat.server, "listening")
    address = chat.server.address()
    assert isinstance(address, dict)
    port = int(address["port"])
    print(f"server: listening on 127.0.0.1:{port}")

    alice = Client("alice", port)
    await alice.join("alice")

    bob = Client("bob", port)
    await bob.join("alice", "bob")  # the first choice is taken
    await alice.hear()  # * bob joined

    carol = Client("carol", port)
    await carol.join("carol")
    await alice.hear()
    await bob.hear()

    alice.say("hi all")
    await bob.hear()
    await carol.hear()

    bob.say("hello alice")
    await alice.hear()
    await carol.hear()

    carol.say("/who")
    await carol.hear()
    carol.say("/dance")
    await carol.hear()

    await carol.quit()
    await alice.hear()  # * carol left
    await bob.hear()

    await bob.quit()
    await alice.hear()
    await alice.quit()

    print(f"server: {len(chat.members)} members left; closing")
    chat.server.close()
    await net.once(chat.server, "close")
    print("server: closed")


def serve(port: int) -> None:
    chat = ChatServer()
    chat.server.listen(port, "127.0.0.1", lambda: print(f"chat server on 127.0.0.1:{port}; Ctrl-C stops"))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        net.run(lambda: serve(int(sys.argv[2])))
    else:
        net.run(demo)
