"""Free TCP ports on a loopback address for the local servers worldmill starts (Ray nodes, Flower, Spark, the
object-store emulators of the tests)."""

from __future__ import annotations

import socket
from collections.abc import Collection


def free_ports(count: int, host: str = "127.0.0.1", avoid: Collection[int] = ()) -> list[int]:
    """``count`` distinct ports free on ``host`` now, none of ``avoid``: every socket stays bound until all are
    chosen, so the system never hands the same port out twice (one at a time, it may: two Ray components then
    ask for one port and the node does not start)."""
    held: list[socket.socket] = []
    ports: list[int] = []
    try:
        while len(ports) < count:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            held.append(sock)
            sock.bind((host, 0))
            port = int(sock.getsockname()[1])
            if port not in avoid and port not in ports:
                ports.append(port)
        return ports
    finally:
        for sock in held:
            sock.close()


def free_port(host: str = "127.0.0.1") -> int:
    """One port free on ``host`` now."""
    return free_ports(1, host)[0]
