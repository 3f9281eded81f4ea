"""Record factories and fixtures shared by the lake tests (imported explicitly by tests/test_lake*.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import socket
import subprocess
import sys
import time
import types
import typing
import uuid
from pathlib import Path
from typing import Any

import pytest

from worldmill.federated.deployment import stop_process_tree
from worldmill.ports import free_port
from worldmill.schemas.records import CatalogueRow, ClipRow, PromptRow, ScoreRow

T0 = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def _default_for(hint: Any) -> Any:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return None
    if typing.get_origin(hint) is list:
        return []
    return {str: "", int: 0, float: 0.0, bool: False, bytes: b"", dt.datetime: T0}[hint]


def make_record(cls: type, **values: Any) -> Any:
    """A record with the given values and typed defaults for every other field (schemas grow over time)."""
    hints = typing.get_type_hints(cls)
    for field in dataclasses.fields(cls):
        if field.name not in values:
            values[field.name] = _default_for(hints[field.name])
    return cls(**values)


def prompt_row(
    i: int,
    *,
    venue: str = "zoo",
    city_key: str = "tokyo-1850147",
    prompt: str | None = None,
    time_of_day: str = "night",
) -> PromptRow:
    cell = f"{city_key}__{venue}"
    return make_record(
        PromptRow,
        sample_id=f"{cell}__r00000-{i:03d}",
        cell_key=cell,
        city_key=city_key,
        venue=venue,
        round=0,
        index=i,
        seed=1000 + i,
        prompt=prompt if prompt is not None else f"prompt number {i}",
        word_count=3,
        camera_motion="dolly",
        time_of_day=time_of_day,
        weather="clear",
        season="spring",
        plan_json="{}",
        prompt_sha256=f"{i:064x}",
        created_at=T0 + dt.timedelta(seconds=i),
    )


def clip_row(
    i: int,
    *,
    venue: str = "zoo",
    city_key: str = "tokyo-1850147",
    city: str = "Tokyo",
    continent: str = "AS",
    generator: str = "procedural",
    time_of_day: str = "night",
    duration_s: float = 2.0,
    generate_s: float = 1.0,
) -> ClipRow:
    cell = f"{city_key}__{venue}"
    sample = f"{cell}__r00000-{i:03d}"
    return make_record(
        ClipRow,
        clip_id=f"{sample}__{generator}",
        sample_id=sample,
        cell_key=cell,
        city_key=city_key,
        city=city,
        country_code="JP",
        continent=continent,
        venue=venue,
        seed=1000 + i,
        round=0,
        generator=generator,
        generator_version="1",
        uri=f"file:///lake/footage/{venue}/{city_key}/{sample}",
        rgb_path="rgb.mp4",
        width=256,
        height=256,
        frames=48,
        fps=24,
        duration_s=duration_s,
        camera_motion="dolly",
        time_of_day=time_of_day,
        weather="clear",
        rgb_sha256=f"{i:064x}",
        conditions_sha256=f"{i:064x}",
        generate_s=generate_s,
        created_at=T0 + dt.timedelta(minutes=i),
    )


def score_row(clip: ClipRow, status: str = "pass") -> ScoreRow:
    return make_record(
        ScoreRow,
        clip_id=clip.clip_id,
        cell_key=clip.cell_key,
        status=status,
        reason=None if status == "pass" else "blurry",
        frames=clip.frames,
        sharpness=1.0,
        exposure_mean=0.5,
        contrast=0.2,
        motion_mean=0.1,
        scored_at=T0,
    )


def catalogue_row(
    i: int,
    *,
    venue: str = "zoo",
    city: str = "Tokyo",
    city_key: str = "tokyo-1850147",
    continent: str = "AS",
    accepted: bool = True,
    time_of_day: str = "night",
    duration_s: float = 2.0,
    generator: str = "procedural",
    uri: str | None = None,
    prompt: str | None = None,
) -> CatalogueRow:
    cell = f"{city_key}__{venue}"
    sample = f"{cell}__r00000-{i:03d}"
    return make_record(
        CatalogueRow,
        clip_id=f"{sample}__{generator}",
        sample_id=sample,
        cell_key=cell,
        city=city,
        country_code="XX",
        continent=continent,
        venue=venue,
        round=0,
        seed=i,
        generator=generator,
        prompt=prompt if prompt is not None else f"prompt {i}",
        time_of_day=time_of_day,
        weather="clear",
        season="spring",
        camera_motion="dolly",
        width=256,
        height=256,
        frames=48,
        fps=24,
        duration_s=duration_s,
        uri=uri or f"file:///lake/footage/{venue}/{city_key}/{sample}",
        rgb_path="procedural/rgb.mp4",
        status="pass" if accepted else "fail",
        reason=None if accepted else "blurry",
        accepted=accepted,
        published_at=T0 + dt.timedelta(minutes=i),
    )


# -- emulators on 127.0.0.1 (started and stopped by the fixtures) ----------------------------------------

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
AZURITE_BIN = REPO / ".tools" / "emulators" / "node_modules" / ".bin" / "azurite-blob"


def wait_for_port(port: int, timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


class Emulator:
    """One emulator process on a fixed 127.0.0.1 port, in its own process group; stop() and start() again
    keep the port (the fault tests stop it mid-run). In-memory emulators lose their data when stopped."""

    def __init__(self, name: str, argv_for_port, port: int | None = None):
        self.name, self._argv_for_port = name, argv_for_port
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Emulator:
        log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"worldmill-{self.name}-{self.port}.log"
        with open(log_path, "ab") as log:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen(
                self._argv_for_port(self.port), stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=REPO
            )
        if not wait_for_port(self.port):
            self.stop()
            pytest.fail(f"{self.name} did not listen on 127.0.0.1:{self.port} within 30 s (log: {log_path})")
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop_process_tree(self.proc, grace_s=15.0)  # emulators can be slow to shut down under load
        self.proc = None


def moto_argv(port: int) -> list[str]:
    return [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)]


def azurite_argv(port: int) -> list[str]:
    return [
        str(AZURITE_BIN),
        "--blobHost",
        "127.0.0.1",
        "--blobPort",
        str(port),
        "--inMemoryPersistence",
        "--skipApiVersionCheck",
        "--silent",
        "--disableTelemetry",
        "--loose",
    ]


def gcs_argv(port: int) -> list[str]:
    return [str(BIN / "gcp-storage-emulator"), "start", "--host", "127.0.0.1", "--port", str(port), "--in-memory"]


def s3_env(emulator: Emulator, prefix: str = "") -> dict[str, str]:
    return {
        prefix + "AWS_ACCESS_KEY_ID": "testing",
        prefix + "AWS_SECRET_ACCESS_KEY": "testing-secret-value",
        prefix + "AWS_ENDPOINT_URL": emulator.endpoint,
        prefix + "AWS_REGION": "us-east-1",
    }


def azure_env(emulator: Emulator, prefix: str = "") -> dict[str, str]:
    return {prefix + "AZURE_STORAGE_USE_EMULATOR": "true", prefix + "AZURE_STORAGE_ENDPOINT": emulator.endpoint}


def gcs_env(emulator: Emulator, prefix: str = "") -> dict[str, str]:
    return {prefix + "STORAGE_EMULATOR_HOST": f"127.0.0.1:{emulator.port}"}


def unique_bucket(stem: str) -> str:
    return f"{stem}-{uuid.uuid4().hex[:8]}"


class BagOfWordsEmbedder:
    """A deterministic stand-in for MiniLM: hashed bag of words, L2-normalised (fast, no model)."""

    name = "test-bag-of-words"

    def __init__(self, dim: int = 384):
        self.dim = dim

    def embed(self, texts):
        import hashlib

        import numpy as np

        out = np.zeros((len(texts), self.dim), np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().replace(",", " ").replace("-", " ").split():
                out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
            norm = np.linalg.norm(out[i])
            if norm:
                out[i] /= norm
        return out
