"""Ports for local servers: distinct within one draw, never one the caller holds."""

from __future__ import annotations

import socket

from worldmill.ports import free_port, free_ports


def test_one_draw_gives_distinct_ports_that_are_free():
    ports = free_ports(40)
    assert len(set(ports)) == 40
    for port in ports:  # each can be bound now
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_a_draw_avoids_the_ports_it_is_told_to():
    first = free_ports(6)
    second = free_ports(6, avoid=set(first))
    assert not set(first) & set(second)
    assert isinstance(free_port(), int)
