"""The federated loop in one process: model, shard, steering, registry, the ServerApp loop against an
in-process grid that runs the real ClientApp, and the loop-back sensor. Deployment mode (real Flower
processes) is covered by tests/test_federated_deploy.py."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
import torch
from flwr.app import Context, Error, Message, RecordDict
from flwr.serverapp import Grid

from worldmill.errors import ConfigError, FederationError, SceneError
from worldmill.federated.client_app import app as client_app
from worldmill.federated.config import DPSettings, FederationSettings, WorldModelConfig
from worldmill.federated.data import SiteShard, camera_actions, load_shard, split_clips, stratum_key
from worldmill.federated.model import (
    TrainSettings,
    build_model,
    evaluate,
    overall_loss,
    state_to_numpy,
    train_local,
)
from worldmill.federated.registry import Registry
from worldmill.federated.runner import candidate_from, write_flower_app
from worldmill.federated.server_app import FederationOutcome, exchange, run_rounds
from worldmill.federated.sites import SiteSpec, node_config_for, site_from_node_config, sites_from_config
from worldmill.federated.steering import sampling_weights, weakest_strata
from worldmill.federated.synthetic import SyntheticStratum, synthetic_sites, write_synthetic_site
from worldmill.federated.weights import weights_from_bytes, weights_to_bytes

FAST = {"local_steps": 6, "batch_size": 16, "straggler_timeout_s": 0.5, "round_timeout_s": 30.0, "node_wait_s": 1.0}


@pytest.fixture(autouse=True, scope="module")
def _flower_task_identity():
    """What Flower's runtime sets in a ServerApp process before strategies create messages; one torch
    thread, as in each ClientApp process."""
    from flwr.supercore.task_identity import TaskIdentity

    threads = torch.get_num_threads()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in (("_run_id", 1), ("_node_id", 0), ("_task_id", 1)):
            patch.setattr(TaskIdentity, name, value)
        torch.set_num_threads(1)
        yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> list[SiteSpec]:
    """Three synthetic site lakes (two strata each: three accepted clips and one rejected per stratum)."""
    return synthetic_sites(tmp_path_factory.mktemp("sites"))


# -- model -----------------------------------------------------------------------------------------------


def test_model_initialisation_is_seeded_and_local_training_lowers_heldout_loss(sites):
    config = WorldModelConfig()
    a, b, c = build_model(config, 7), build_model(config, 7), build_model(config, 8)
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True))
    assert not all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), c.state_dict().values(), strict=True))

    data = load_shard(SiteShard(sites[0]), config.size, 0.25)
    before = overall_loss(evaluate(a, data.val))
    report = train_local(a, data.train, TrainSettings(steps=10, seed=1))
    train_local(b, data.train, TrainSettings(steps=10, seed=1))
    assert overall_loss(evaluate(a, data.val)) < 0.7 * before
    assert report.loss_last < report.loss_first
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True))


def test_fedprox_term_keeps_weights_near_the_global_model(sites):
    data = load_shard(SiteShard(sites[1]), 64, 0.25)
    start = state_to_numpy(build_model(WorldModelConfig(), 0))

    def drift(mu: float) -> float:
        model = build_model(WorldModelConfig(), 0)
        train_local(model, data.train, TrainSettings(steps=8, learning_rate=5e-3, proximal_mu=mu, seed=3))
        return sum(float(np.sum((v - start[k]) ** 2)) for k, v in state_to_numpy(model).items())

    assert drift(50.0) < drift(0.0)


def test_weights_round_trip_through_safetensors_with_metadata():
    state = state_to_numpy(build_model(WorldModelConfig(), 0))
    back, meta = weights_from_bytes(weights_to_bytes(state, {"model_config": "x"}))
    assert meta == {"model_config": "x"}
    assert set(back) == set(state) and all(np.array_equal(back[k], state[k]) for k in state)
    with pytest.raises(FederationError, match="safetensors"):
        weights_from_bytes(b"not safetensors at all")


# -- camera actions and the shard ------------------------------------------------------------------------


def _pose(tx: float, yaw: float) -> np.ndarray:
    c, s = math.cos(yaw), math.sin(yaw)
    return np.array([[c, -s, 0, tx], [s, c, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], dtype=np.float64)


def test_camera_actions_are_relative_motion_between_frames():
    actions = camera_actions(np.stack([_pose(0, 0), _pose(0.5, 0), _pose(0.5, 0.1), _pose(0.5, 0.1)]))
    assert actions.shape == (3, 6)
    np.testing.assert_allclose(actions[0], [0.5, 0, 0, 0, 0, 0], atol=1e-6)  # moved along its own x axis
    np.testing.assert_allclose(actions[1], [0, 0, 0, 0, 0, 0.1], atol=1e-6)  # turned 0.1 rad about z
    np.testing.assert_allclose(actions[2], 0, atol=1e-6)
    # the same motion seen from a rotated world start gives the same actions (they are relative)
    turned = np.stack([_pose(0, 1.0) @ p for p in (_pose(0, 0), _pose(0.5, 0), _pose(0.5, 0.1), _pose(0.5, 0.1))])
    np.testing.assert_allclose(camera_actions(turned), actions, atol=1e-6)


def test_a_clip_without_a_readable_camera_path_is_rejected_with_its_file(tmp_path):
    write_synthetic_site(tmp_path / "s", [SyntheticStratum("lima-3936456", "zoo", "dusk", clips=2)])
    shard = SiteShard(SiteSpec("s", str(tmp_path / "s")))
    clip = shard.accepted_clips()[0]
    camera = shard.local_path(clip.camera_key)
    camera.write_text(json.dumps({"intrinsics": {}}))
    with pytest.raises(SceneError, match="camera.json"):
        shard.load_clip(clip, 64)


def test_shard_reads_only_accepted_clips_and_holds_out_whole_clips_per_stratum(sites):
    shard = SiteShard(sites[0])
    clips = shard.accepted_clips()
    assert len(clips) == 6  # 2 strata x 3 accepted; the rejected clip of each stratum is not read
    plan = split_clips(clips, 0.25)
    assert len(plan.val) == 2 and len(plan.train) == 4 and not plan.temporal
    assert {c.stratum for c in plan.val} == {c.stratum for c in plan.train}
    assert split_clips(reversed(clips), 0.25) == plan  # stable: the same clips are held out every time
    data = load_shard(shard, 64, 0.25)
    assert (data.train_clips, data.val_clips, len(data.train), len(data.val)) == (4, 2, 60, 30)
    assert data.catalogue_version == 0
    assert all(uri.startswith(str(sites[0].root_uri)) for uri in shard.opened)


def test_a_stratum_seen_in_one_clip_is_held_out_in_time(tmp_path):
    write_synthetic_site(tmp_path / "s", [SyntheticStratum("lima-3936456", "zoo", "dusk", clips=1)], frames=9)
    data = load_shard(SiteShard(SiteSpec("s", str(tmp_path / "s"))), 64, 0.25)
    assert (len(data.train), len(data.val)) == (6, 2)
    assert data.val.stratum_names == [stratum_key("lima-3936456__zoo", "dusk")]


def test_shard_refuses_clips_stored_on_another_site(sites, tmp_path):
    rows = write_synthetic_site(tmp_path / "leaky", [SyntheticStratum("lima-3936456", "zoo", "dusk", clips=2)])
    foreign = dataclasses.replace(rows[0], clip_id="foreign__procedural", uri=sites[1].root_uri + "/footage/x/y/z")
    from worldmill.lake import Catalogue

    Catalogue(str(tmp_path / "leaky")).upsert([foreign])
    shard = SiteShard(SiteSpec("leaky", str(tmp_path / "leaky")))
    with pytest.raises(FederationError, match="Data locality") as info:
        shard.accepted_clips()
    assert "leaky" in str(info.value) and sites[1].root_uri in str(info.value)
    with pytest.raises(FederationError, match="Data locality"):
        shard.check_local(sites[1].root_uri + "/tables/catalogue")


def test_sites_come_from_the_lake_sites_file_and_reach_supernodes_without_secrets(tmp_path):
    from flwr.common.config import parse_config_args

    from worldmill.lake.sites import SitesConfig

    config = SitesConfig.model_validate(
        {
            "sites": {
                "aws-us": {"root": "s3://bucket/lake", "env_prefix": "WM_US_", "region": "us-east-1",
                           "options": {"virtual_hosted_style_request": "false"}},
                "gcp-eu": {"root": str(tmp_path / "it's here")},
            },
            "default": "gcp-eu",
        }
    )  # fmt: skip
    sites = sites_from_config(config)
    assert [s.name for s in sites] == ["aws-us", "gcp-eu"]
    for site in sites:
        text = node_config_for(site, **{"access-log": "/tmp/a.jsonl"})
        parsed = parse_config_args([text])  # what flower-supernode does with --node-config
        assert site_from_node_config(parsed) == site and parsed["access-log"] == "/tmp/a.jsonl"
    env = {"WM_US_AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "WM_US_AWS_SECRET_ACCESS_KEY": "s3cr3t-value"}
    assert sites[0].storage(env).credentials["AWS_SECRET_ACCESS_KEY"] == "s3cr3t-value"
    assert "s3cr3t" not in node_config_for(sites[0])
    with pytest.raises(ConfigError, match="root-uri"):
        site_from_node_config({"site": "gcp-eu"})


# -- steering --------------------------------------------------------------------------------------------


def test_sampling_weights_favour_the_weakest_strata_and_never_starve_any():
    weights = sampling_weights({"a@noon": 0.1, "b@night": 0.4, "c@dusk": 0.0}, floor=0.1)
    assert math.isclose(sum(weights.values()), 1.0)
    assert weights["b@night"] > weights["a@noon"] > weights["c@dusk"] > 0
    assert math.isclose(weights["c@dusk"], 0.1 / 3)
    sharper = sampling_weights({"a@noon": 0.1, "b@night": 0.4}, temperature=0.5, floor=0.0)
    assert sharper["b@night"] > sampling_weights({"a@noon": 0.1, "b@night": 0.4}, floor=0.0)["b@night"]
    assert sampling_weights({"a@noon": 0.0, "b@noon": 0.0}) == {"a@noon": 0.5, "b@noon": 0.5}
    top = weakest_strata(weights, 2)
    assert [(r.cell_key, r.time_of_day) for r in top] == [("b", "night"), ("a", "noon")]
    for bad in ({}, {"a@noon": float("nan")}, {"a@noon": -1.0}):
        with pytest.raises(ConfigError):
            sampling_weights(bad)


# -- the ServerApp loop against the real ClientApp, in one process ---------------------------------------


class InProcessGrid(Grid):
    """A grid whose nodes run the ClientApp synchronously; ``dead`` nodes never answer."""

    def __init__(self, sites, settings: FederationSettings, dead=()):
        self.sites = {i + 1: site for i, site in enumerate(sites)}
        self.dead = {i for i, s in self.sites.items() if s.name in dead}
        self.run_config = settings.to_run_config()
        self.replies: dict[str, Message] = {}
        self.calls = 0

    def set_run(self, run):  # pragma: no cover
        pass

    @property
    def run(self):  # pragma: no cover
        return None

    def create_message(self, *args, **kwargs):  # pragma: no cover
        raise NotImplementedError

    def get_node_ids(self):
        return list(self.sites)

    def push_messages(self, messages):
        ids = []
        for message in messages:
            message.metadata.__dict__["_message_id"] = message.object_id
            node = message.metadata.dst_node_id
            if node not in self.dead:
                site = self.sites[node]
                context = Context(
                    1, node, {"site": site.name, "root-uri": site.root_uri}, RecordDict(), self.run_config
                )
                self.calls += 1
                try:
                    reply = client_app(message, context)
                except Exception as exc:  # noqa: BLE001 - what Flower does with a failing ClientApp
                    reply = Message(Error(code=0, reason=f"{type(exc).__name__}: {exc}"), reply_to=message)
                self.replies[message.metadata.message_id] = reply
            ids.append(message.metadata.message_id)
        return ids

    def pull_messages(self, message_ids):
        return [self.replies.pop(i) for i in list(message_ids) if i in self.replies]

    def send_and_receive(self, messages, *, timeout=None):  # pragma: no cover
        raise NotImplementedError


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _initial(settings: FederationSettings) -> dict[str, np.ndarray]:
    return state_to_numpy(build_model(settings.model, settings.seed))


def test_two_rounds_over_three_sites_lower_heldout_loss_per_site(sites):
    settings = FederationSettings(rounds=2, expected_sites=3, **FAST)
    grid = InProcessGrid(sites, settings)
    outcome = run_rounds(grid, settings, _initial(settings))
    assert grid.calls == 9  # 3 sites x (2 train rounds + 1 final evaluation)
    assert outcome.sites == ["aws-us", "azure-asia", "gcp-eu"] and not outcome.dropped
    assert len(outcome.final) == 6 and set(outcome.initial) == set(outcome.final)
    assert outcome.loss("final") < 0.8 * outcome.loss("initial")
    assert outcome.rounds[1].val_loss_before < outcome.rounds[0].val_loss_before
    assert {r.train_clips for r in outcome.site_reports.values()} == {4}
    # the outcome survives its JSON round trip (result.json between the ServerApp and the runner)
    again = FederationOutcome.from_json(json.loads(json.dumps(outcome.to_json())), outcome.state)
    assert again.loss("final") == outcome.loss("final") and again.rounds == outcome.rounds


def test_a_dead_site_is_dropped_when_the_quorum_allows_it(sites):
    settings = FederationSettings(rounds=1, expected_sites=3, min_sites=2, **FAST)
    clock = FakeClock()
    grid = InProcessGrid(sites, settings, dead={"gcp-eu"})
    outcome = run_rounds(grid, settings, _initial(settings), clock=clock, sleep=clock.sleep)
    assert outcome.sites == ["aws-us", "azure-asia"]
    assert list(outcome.dropped) == ["node-2"] and "no reply" in outcome.dropped["node-2"]
    assert grid.calls == 4  # the dead node is not asked again for the final evaluation
    assert clock.now < 2.0  # waited only the straggler timeout, not the round timeout


def test_a_dead_site_below_the_quorum_fails_the_round_with_a_clear_error(sites):
    settings = FederationSettings(rounds=1, expected_sites=3, **FAST)  # quorum = all three
    clock = FakeClock()
    with pytest.raises(FederationError, match=r"round 1: 2 of 3 required sites replied") as info:
        run_rounds(
            InProcessGrid(sites, settings, dead={"aws-us"}),
            settings,
            _initial(settings),
            clock=clock,
            sleep=clock.sleep,
        )
    assert "no reply after 30s" in str(info.value) and "resumes from the last registered version" in info.value.fix


def test_a_failing_site_is_reported_with_its_error(sites, tmp_path):
    empty = SiteSpec("empty-site", str(tmp_path / "empty"))
    settings = FederationSettings(rounds=1, expected_sites=2, **FAST)
    with pytest.raises(FederationError) as info:
        run_rounds(InProcessGrid([sites[0], empty], settings), settings, _initial(settings))
    assert "no 'catalogue' table" in str(info.value)


def test_exchange_returns_once_the_quorum_cannot_be_reached_anymore():
    class Silent(InProcessGrid):
        def __init__(self):
            self.replies, self.sites, self.dead = {}, {1: None, 2: None}, {1, 2}

    clock = FakeClock()
    messages = [Message(RecordDict(), dst_node_id=n, message_type="train") for n in (1, 2)]
    result = exchange(
        Silent(), messages, quorum=1, round_timeout_s=5, straggler_timeout_s=1, clock=clock, sleep=clock.sleep
    )
    assert result.replies == [] and set(result.failed) == {1, 2} and 5 <= clock.now < 6


@pytest.mark.parametrize(
    "strategy,dp",
    [("fedprox", None), ("fedavg", DPSettings("server", 0.01, 5.0)), ("fedavg", DPSettings("client", 0.01, 5.0))],
)
def test_fedprox_and_differential_privacy_wrappers_train(sites, strategy, dp):
    settings = FederationSettings(rounds=1, expected_sites=2, strategy=strategy, dp=dp, **FAST)
    outcome = run_rounds(InProcessGrid(sites[:2], settings), settings, _initial(settings))
    assert outcome.loss("final") < outcome.loss("initial")


# -- registry, app files ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def outcome(sites) -> tuple[FederationOutcome, FederationSettings]:
    settings = FederationSettings(rounds=1, expected_sites=3, **FAST)
    return run_rounds(InProcessGrid(sites, settings), settings, _initial(settings)), settings


def test_registry_registers_weights_lineage_and_per_stratum_weights(outcome, tmp_path):
    result, settings = outcome
    registry = Registry.at(str(tmp_path / "lake"))
    assert registry.latest() is None
    first = registry.register(candidate_from(result, settings, None))
    second = registry.register(candidate_from(result, settings, first.model_version))
    assert [v.model_version for v in registry.versions()] == [first.model_version, second.model_version]
    assert first.model_version.startswith("wm-0001-") and second.sequence == 2
    assert second.parent_version == first.model_version and registry.latest() == second
    assert first.sites == ["aws-us", "azure-asia", "gcp-eu"] and first.site_catalogue_versions == [0, 0, 0]
    assert (first.train_clips, first.val_clips, first.rounds) == (12, 6, 1)
    loaded = registry.load_weights(first)
    assert all(np.array_equal(loaded[k], result.state[k]) for k in result.state)
    evaluations = registry.evaluations(first.model_version)
    assert len(evaluations) == 6 and math.isclose(sum(e.sampling_weight for e in evaluations), 1.0)
    worst = max(evaluations, key=lambda e: e.final_loss)
    assert worst.sampling_weight == max(e.sampling_weight for e in evaluations)

    weights_file = registry.weights.open_local(f"{first.model_version}/model.safetensors")
    weights_file.write_bytes(weights_file.read_bytes()[:-8])
    with pytest.raises(FederationError, match="sha256"):
        registry.load_weights(first)


def test_a_registration_that_fails_midway_leaves_no_version(outcome, tmp_path, monkeypatch):
    result, settings = outcome
    registry = Registry.at(str(tmp_path / "lake"))
    real_upsert = registry.catalogue.upsert

    def failing(records, **kwargs):
        if records and records[0].table == "model_versions":
            raise OSError("disk full")
        return real_upsert(records, **kwargs)

    monkeypatch.setattr(registry.catalogue, "upsert", failing)
    with pytest.raises(OSError):
        registry.register(candidate_from(result, settings, None))
    monkeypatch.setattr(registry.catalogue, "upsert", real_upsert)
    assert registry.latest() is None  # weights and evaluations may exist, but no version does
    assert registry.register(candidate_from(result, settings, None)).sequence == 1


def test_generated_flower_app_carries_the_settings_as_run_config(tmp_path):
    import tomllib

    from flwr.cli.config_utils import load_and_validate

    settings = FederationSettings(
        rounds=3, expected_sites=2, min_sites=1, dp=DPSettings("client", 0.5, 2.0), output_dir="/o"
    )
    app_dir = write_flower_app(tmp_path / "app", settings)
    config, _ = load_and_validate(app_dir / "pyproject.toml")
    assert config["tool"]["flwr"]["app"]["components"]["clientapp"] == "worldmill_flower_client:app"
    run_config = tomllib.loads((app_dir / "pyproject.toml").read_text())["tool"]["flwr"]["app"]["config"]
    assert FederationSettings.from_run_config(run_config) == settings


def test_settings_reject_nonsense():
    with pytest.raises(ConfigError, match="strategy"):
        FederationSettings(strategy="fedsgd")
    with pytest.raises(ConfigError, match="min_sites"):
        FederationSettings(expected_sites=2, min_sites=3)
    with pytest.raises(ConfigError, match="rounds"):
        FederationSettings(rounds=0)


# -- the loop-back sensor --------------------------------------------------------------------------------


def test_model_version_sensor_requests_footage_for_the_weakest_strata_once_per_version(outcome, tmp_path):
    from dagster import DagsterInstance, SkipReason, build_sensor_context

    from worldmill.resources import LakeResource
    from worldmill.sensors.federated import WEAKEST_STRATA_PER_VERSION, model_version_sensor

    result, settings = outcome
    lake = LakeResource(uri=str(tmp_path / "lake"))
    instance = DagsterInstance.ephemeral()
    resources = {"lake": lake}
    assert isinstance(model_version_sensor(build_sensor_context(instance=instance, resources=resources)), SkipReason)

    registry = Registry.at(lake.uri)
    version = registry.register(candidate_from(result, settings, None))
    tick = model_version_sensor(build_sensor_context(instance=instance, resources=resources))
    evaluations = sorted(registry.evaluations(version.model_version), key=lambda e: -e.final_loss)
    weakest = evaluations[:WEAKEST_STRATA_PER_VERSION]
    assert [r.tags["worldmill/stratum"] for r in tick.run_requests] == [e.stratum for e in weakest]
    assert [r.partition_key for r in tick.run_requests] == [e.cell_key for e in weakest]
    assert [r.run_config["ops"]["prompts"]["config"]["time_of_day"] for r in tick.run_requests] == [
        e.time_of_day for e in weakest
    ]  # the footage runs make the weakest strata's time of day
    assert all(r.tags["worldmill/model_version"] == version.model_version for r in tick.run_requests)
    assert set(tick.dynamic_partitions_requests[0].partition_keys) == {e.cell_key for e in weakest}
    assert tick.cursor == version.model_version

    again = model_version_sensor(build_sensor_context(instance=instance, cursor=tick.cursor, resources=resources))
    assert isinstance(again, SkipReason)
    newer = registry.register(candidate_from(result, settings, version.model_version))
    third = model_version_sensor(build_sensor_context(instance=instance, cursor=tick.cursor, resources=resources))
    assert third.cursor == newer.model_version and len(third.run_requests) == WEAKEST_STRATA_PER_VERSION


def test_federated_assets_register_a_version_and_describe_it(outcome, tmp_path, monkeypatch):
    from dagster import DagsterInstance, materialize

    from worldmill.assets.federated import federated_round, world_model
    from worldmill.federated import runner
    from worldmill.resources import LakeResource

    result, settings = outcome
    lake = LakeResource(uri=str(tmp_path / "lake"))
    calls = []

    def fake_run_federation(rounds, sites, *, registry, **kwargs):
        """Stands in for the Flower deployment (covered by test_federated_deploy.py)."""
        calls.append((rounds, [s.name for s in sites], kwargs))
        row = registry.register(candidate_from(result, settings, None))
        return runner.FederationResult(
            model_version=row.model_version, parent_version=None, initial_val_loss=row.initial_val_loss,
            final_val_loss=row.final_val_loss, sites=row.sites, sites_dropped=[], rounds=rounds, strategy="fedavg",
            weights_uri=row.weights_uri, val_loss_by_round=[row.initial_val_loss], round_seconds=[1.0],
            client_seconds=[{}], duration_s=1.0, work_dir="",
        )  # fmt: skip

    monkeypatch.setattr(runner, "run_federation", fake_run_federation)
    sites_json = json.dumps([{"name": s, "root_uri": str(tmp_path / s)} for s in ("aws-us", "gcp-eu")])
    run = materialize(
        [federated_round, world_model],
        resources={"lake": lake},
        run_config={"ops": {"federated_round": {"config": {"rounds": 3, "min_sites": 1, "sites_json": sites_json}}}},
        instance=DagsterInstance.ephemeral(),
    )
    assert run.success
    assert calls == [(3, ["aws-us", "gcp-eu"], {"strategy": "fedavg", "min_sites": 1, "seed": 0, "local_steps": 30})]
    version = Registry(lake.catalogue).latest().model_version
    metadata = run.asset_materializations_for_node("world_model")[0].metadata
    assert metadata["model_version"].value == version and metadata["train_clips"].value == 12
    assert "| stratum |" in metadata["strata"].value


def test_federate_runs_every_site_of_the_lake_and_registers_on_the_default_site(tmp_path, monkeypatch):
    from worldmill.federated import runner
    from worldmill.lake.sites import Lake, SitesConfig

    lake = Lake(
        SitesConfig.model_validate(
            {"sites": {"eu": {"root": str(tmp_path / "eu")}, "us": {"root": str(tmp_path / "us")}}, "default": "us"}
        )
    )
    seen = {}
    monkeypatch.setattr(
        runner,
        "run_federation",
        lambda rounds, sites, *, registry, **kw: seen.update(rounds=rounds, sites=sites, registry=registry, kw=kw),
    )
    runner.federate(4, lake, strategy="fedprox")
    assert (
        seen["rounds"] == 4
        and [s.name for s in seen["sites"]] == ["eu", "us"]
        and seen["kw"] == {"strategy": "fedprox"}
    )
    assert seen["registry"].catalogue.root_uri == str((tmp_path / "us").resolve())
    assert seen["registry"].weights.root_uri.endswith("/us/models")


def test_the_round_config_defaults_to_every_site_without_a_sentinel():
    from worldmill.assets.federated import FederatedRoundConfig

    assert FederatedRoundConfig().min_sites is None  # None: every site; 0 is no longer a stand-in for it
    assert FederatedRoundConfig(min_sites=2).min_sites == 2
