"""Seeds and sample ids: pure functions of (cell, round, index), so a round reproduces bit for bit."""

from __future__ import annotations

import hashlib
import re

from worldmill.errors import ConfigError

_SAMPLE_ID = re.compile(r"^(?P<cell>.+)__r(?P<round>\d{5,})-(?P<index>\d{3,})$")


def _check(round: int, index: int) -> None:
    for name, value in (("round", round), ("index", index)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(
                f"Sample {name}={value!r} is not a non-negative integer.", fix=f"pass {name} as an int >= 0"
            )


def seed_for(cell_key: str, round: int, index: int) -> int:
    """A 63-bit seed from blake2b over ``{cell_key}|{round}|{index}``: fits a signed int64 column and
    ``numpy.random.default_rng``; independent of Python's hash randomisation."""
    _check(round, index)
    digest = hashlib.blake2b(f"{cell_key}|{round}|{index}".encode(), digest_size=8, person=b"worldmill-seed").digest()
    return int.from_bytes(digest, "big") >> 1


def sample_id(cell_key: str, round: int, index: int) -> str:
    """``{cell_key}__r{round:05d}-{index:03d}``, e.g. ``shanghai-1796236__zoo__r00001-007``."""
    _check(round, index)
    return f"{cell_key}__r{round:05d}-{index:03d}"


def parse_sample_id(value: str) -> tuple[str, int, int]:
    """``(cell_key, round, index)`` of a sample id made by ``sample_id``."""
    match = _SAMPLE_ID.match(value)
    if not match:
        raise ConfigError(
            f"Sample id {value!r} is not of the form '{{cell_key}}__r{{round:05d}}-{{index:03d}}'.",
            fix="build it with worldmill.prompts.sample_id",
        )
    return match["cell"], int(match["round"]), int(match["index"])
