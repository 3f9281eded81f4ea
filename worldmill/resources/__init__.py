"""Dagster resources: configuration (EnvVar-driven) and the heavy clients each asset needs."""

from worldmill.resources.generator import GeneratorResource
from worldmill.resources.lake import LakeResource
from worldmill.resources.render import RenderResource
from worldmill.resources.taxonomy import TaxonomyResource

__all__ = ["GeneratorResource", "LakeResource", "RenderResource", "TaxonomyResource"]
