"""The Cosmos guardrail in the diffusion backends: built only from a configured local folder, never from a hub id,
with Hub requests disabled while it loads. A stand-in ``cosmos_guardrail`` module records how it was built."""

from __future__ import annotations

import importlib.machinery
import sys
import types
from typing import ClassVar

import numpy as np
import pytest

from worldmill.errors import ConfigError, GenerationError
from worldmill.generation.diffusion import guardrail

FRAMES = np.full((3, 8, 8, 3), 200, np.uint8)


class FakeChecker:
    built: ClassVar[list[tuple[str, bool]]] = []  # (checkpoint_id, hub offline at construction)
    verdict = "pass"  # "pass" | "block" | "darken"

    def __init__(self, checkpoint_id: str = "nvidia/Cosmos-1.0-Guardrail"):
        from huggingface_hub import constants

        FakeChecker.built.append((checkpoint_id, constants.HF_HUB_OFFLINE))

    def check_video_safety(self, frames: np.ndarray):
        if FakeChecker.verdict == "block":
            return None
        return frames // 2 if FakeChecker.verdict == "darken" else frames


@pytest.fixture
def fake_cosmos_guardrail(monkeypatch):
    module = types.ModuleType("cosmos_guardrail")
    module.__spec__ = importlib.machinery.ModuleSpec("cosmos_guardrail", None)
    module.CosmosSafetyChecker = FakeChecker
    monkeypatch.setitem(sys.modules, "cosmos_guardrail", module)
    FakeChecker.built, FakeChecker.verdict = [], "pass"
    guardrail._load_checker.cache_clear()
    yield FakeChecker
    guardrail._load_checker.cache_clear()


def test_installed_guardrail_is_never_built_without_a_local_folder(fake_cosmos_guardrail):
    assert guardrail.cosmos_guardrail_installed()
    assert isinstance(guardrail.make_safety_checker("auto", None), guardrail.PassThroughSafetyChecker)
    frames, result = guardrail.run_guardrail(FRAMES, "auto", None)
    assert frames is FRAMES and result == guardrail.GuardrailResult("none", False)
    assert fake_cosmos_guardrail.built == []


def test_a_configured_folder_is_passed_and_loaded_offline(fake_cosmos_guardrail, tmp_path):
    from huggingface_hub import constants

    offline_before = constants.HF_HUB_OFFLINE
    checker = guardrail.make_safety_checker("auto", str(tmp_path))
    assert isinstance(checker, FakeChecker)
    assert fake_cosmos_guardrail.built == [(str(tmp_path.resolve()), True)]  # local path, Hub requests disabled
    assert constants.HF_HUB_OFFLINE == offline_before
    fake_cosmos_guardrail.verdict = "darken"
    frames, result = guardrail.run_guardrail(FRAMES, "cosmos", str(tmp_path))
    assert result == guardrail.GuardrailResult("cosmos-guardrail", False) and int(frames.max()) == 100
    assert len(fake_cosmos_guardrail.built) == 1  # one instance per folder, shared by pipeline and output check
    fake_cosmos_guardrail.verdict = "block"
    frames, result = guardrail.run_guardrail(FRAMES, "auto", str(tmp_path))
    assert result.blocked and not frames.any()
    assert guardrail.run_guardrail(FRAMES, "off", str(tmp_path))[1].name == "none"


def test_a_checker_that_changes_the_frame_shape_is_an_error(fake_cosmos_guardrail, tmp_path, monkeypatch):
    monkeypatch.setattr(FakeChecker, "check_video_safety", lambda self, frames: frames[:1])
    with pytest.raises(GenerationError, match="shape"):
        guardrail.run_guardrail(FRAMES, "auto", str(tmp_path))


def test_bad_guardrail_settings_name_the_fix(fake_cosmos_guardrail, tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match="clips stage blurs faces"):
        guardrail.check_guardrail_settings("face_blur", None)
    with pytest.raises(ConfigError, match="guardrail='strict'"):
        guardrail.check_guardrail_settings("strict", None)
    with pytest.raises(ConfigError, match="no guardrail_dir"):
        guardrail.run_guardrail(FRAMES, "cosmos", None)
    with pytest.raises(ConfigError, match="not a local directory"):
        guardrail.make_safety_checker("auto", "nvidia/Cosmos-1.0-Guardrail")
    monkeypatch.delitem(sys.modules, "cosmos_guardrail")
    monkeypatch.setattr(guardrail, "cosmos_guardrail_installed", lambda: False)
    with pytest.raises(ConfigError, match="not installed"):
        guardrail.make_safety_checker("auto", str(tmp_path))
    assert fake_cosmos_guardrail.built == []


def test_a_checker_that_fails_to_load_raises_a_config_error(fake_cosmos_guardrail, tmp_path, monkeypatch):
    def refuse(self, checkpoint_id):
        raise OSError(f"{checkpoint_id}/blocklist is missing")

    monkeypatch.setattr(FakeChecker, "__init__", refuse)
    with pytest.raises(ConfigError, match="blocklist is missing"):
        guardrail.make_safety_checker("cosmos", str(tmp_path))


def test_backend_configs_check_the_guardrail_settings():
    pytest.importorskip("torch")
    from worldmill.generation.diffusion.cosmos_transfer import CosmosTransferConfig
    from worldmill.generation.diffusion.sd_multicontrol import SDMultiControlConfig

    for config in (SDMultiControlConfig, CosmosTransferConfig):
        with pytest.raises(ConfigError, match="no guardrail_dir"):
            config.from_kwargs(guardrail="cosmos", device="cpu")
        assert config.from_kwargs(guardrail_dir="/guardrail", device="cpu").guardrail_dir == "/guardrail"
