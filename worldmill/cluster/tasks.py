"""The units of work a cluster worker runs: one sample of one stage, in the worker's own process.

A worker opens the lake itself (from the lake URI and sites file, credentials from its own environment: they
never travel with the task) and keeps the lake, the semantic classes, warm Warp kernels and a loaded generator
for the life of its process, so only the first unit on a worker pays for them.
"""

from __future__ import annotations

import functools
import json

from worldmill import stages
from worldmill.cluster.work import GeneratorSpec
from worldmill.lake import BlobStore
from worldmill.schemas.plan import RenderSettings
from worldmill.schemas.records import ClipRow, ConditionRow, PromptRow
from worldmill.schemas.taxonomy import Cell
from worldmill.taxonomy.classes import default_classes


@functools.cache
def _blobs(lake_uri: str, sites_file: str, site: str) -> BlobStore:
    from worldmill.lake.commands import open_lake

    return open_lake(lake_uri, sites_file=sites_file or None).blobs(site)


@functools.cache
def _warm(device: str) -> None:
    from worldmill.render.raycast import warm_up

    warm_up(device)


@functools.cache
def _generator(spec: GeneratorSpec):
    from worldmill.generation import get_generator

    generator = get_generator(spec.backend, **json.loads(spec.options_json))
    generator.load()
    return generator


def render_unit(
    row: PromptRow, settings: RenderSettings, lake: tuple[str, str, str], device: str
) -> stages.ConditionsMade:
    """Render one sample and publish its condition folder; ``lake`` is (lake URI, sites file, site)."""
    _warm(device)
    return stages.produce_condition(row, settings, _blobs(*lake), default_classes(), device=device)


def clip_unit(
    row: PromptRow,
    cond: ConditionRow,
    cell: Cell,
    spec: GeneratorSpec,
    settings: RenderSettings,
    lake: tuple[str, str, str],
) -> ClipRow:
    """Generate one sample's footage with the worker's loaded generator and publish it."""
    return stages.produce_clip(row, cond, cell, _generator(spec), _blobs(*lake), settings)

