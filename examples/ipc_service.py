"""A request/response service over a Unix domain socket: one JSON request
per line, one JSON answer per line.

Run: python examples/ipc_service.py
"""

from __future__ import annotations

import json
import os
import tempfile

import tokionet as net


def serve(sock: net.Socket) -> None:
    sock.set_encoding("utf8")
    pending = [""]

    def on_data(text: str) -> None:
        pending[0] += text
        *lines, pending[0] = pending[0].split("\n")
        for line in lines:
            request = json.loads(line)
            sock.write(json.dumps({"id": request["id"], "sum": sum(request["numbers"])}) + "\n")

    sock.on("data", on_data)


def main() -> None:
    path = os.path.join(tempfile.mkdtemp(), "service.sock")
    server = net.create_server(serve)

    def ready() -> None:
        print(f"listening on {server.address()}")
        client = net.connect(path)
        client.set_encoding("utf8")
        client.write(json.dumps({"id": 1, "numbers": [1, 2, 3]}) + "\n")
        client.write(json.dumps({"id": 2, "numbers": [10, 20]}) + "\n")
        answers: list[str] = []

        def on_data(text: str) -> None:
            answers.extend(line for line in text.split("\n") if line)
            if len(answers) == 2:
                for answer in answers:
                    print("answer:", answer)
                client.end()
                server.close(lambda: print("socket file removed:", not os.path.exists(path)))

        client.on("data", on_data)

    server.listen(path, ready)


if __name__ == "__main__":
    net.run(main)
