"""The worldmill code location: every asset, job, sensor, schedule and resource, loaded by workspace.yaml."""

from dagster import Definitions, EnvVar, PipesSubprocessClient

from worldmill.assets.catalogue import catalogue
from worldmill.assets.clips import clips
from worldmill.assets.conditions import conditions
from worldmill.assets.curation import curation_assets, curation_checks
from worldmill.assets.diffusion import cosmos_transfer1_clips
from worldmill.assets.federated import federated_round, world_model
from worldmill.assets.prompts import prompts
from worldmill.assets.scores import scores
from worldmill.assets.taxonomy import taxonomy
from worldmill.jobs import curation_job, footage_job, taxonomy_job
from worldmill.resources import GeneratorResource, LakeResource, RenderResource, TaxonomyResource
from worldmill.resources.cluster import ClusterResource
from worldmill.resources.gpu import GPUResource
from worldmill.sensors.curation import coverage_gap_sensor, outdated_footage_sensor, quality_regeneration_sensor
from worldmill.sensors.federated import model_version_sensor
from worldmill.sensors.generation import generation_sensor, taxonomy_sensor
from worldmill.sensors.lake import lake_maintenance_job, lake_maintenance_schedule, lake_maintenance_sensor


def resources() -> dict:
    """Resources as deployed: every setting from an environment variable (defaults in worldmill/settings.py)."""
    return {
        "lake": LakeResource(uri=EnvVar("WORLDMILL_LAKE_URI"), sites_file=EnvVar("WORLDMILL_SITES")),
        "taxonomy_source": TaxonomyResource(
            extra_dir=EnvVar("WORLDMILL_TAXONOMY_DIR"), min_population=EnvVar.int("WORLDMILL_MIN_POPULATION")
        ),
        "render": RenderResource(),
        "generator": GeneratorResource(
            backend=EnvVar("WORLDMILL_GENERATOR"), options_json=EnvVar("WORLDMILL_GENERATOR_OPTIONS")
        ),
        "gpu": GPUResource(),
        "pipes_subprocess_client": PipesSubprocessClient(),
        "cluster": ClusterResource(
            address=EnvVar("WORLDMILL_RAY_ADDRESS"), same_host=EnvVar("WORLDMILL_RAY_SAME_HOST")
        ),
    }


defs = Definitions(
    assets=[
        taxonomy, prompts, conditions, clips, scores, catalogue, *curation_assets,
        cosmos_transfer1_clips, federated_round, world_model,
    ],
    asset_checks=curation_checks,
    jobs=[taxonomy_job, footage_job, curation_job, lake_maintenance_job],
    schedules=[lake_maintenance_schedule],
    sensors=[
        taxonomy_sensor, generation_sensor, quality_regeneration_sensor, coverage_gap_sensor, outdated_footage_sensor,
        model_version_sensor,
        lake_maintenance_sensor,
    ],
    resources=resources(),
)
