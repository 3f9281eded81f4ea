"""The default backend: the procedural render is the footage (CPU, no weights)."""

from __future__ import annotations

import shutil
import time

from worldmill.errors import GenerationError
from worldmill.generation.base import GeneratedClip, GenerationRequest, Generator


class ProceduralGenerator(Generator):
    """Publishes the render (``input.mp4`` of the conditions) unchanged: conditions and footage agree exactly."""

    name = "procedural"
    version = "4"  # 4: lit rooms, furniture, stairs and structures from the library, stadium stands; 3: baked
    # material textures, clouds, lamp light, tank water; 2: library meshes; 1: analytic kits
    footage_is_render = True

    def generate(self, request: GenerationRequest) -> GeneratedClip:
        start = time.perf_counter()
        source = request.conditions_dir / "input.mp4"
        if not source.is_file():
            raise GenerationError(
                f"Sample {request.sample_id}: the render {source} is missing.",
                fix="re-materialize the `conditions` asset for this cell",
            )
        shutil.copyfile(source, request.out_path)
        s = request.settings
        return GeneratedClip(request.out_path, s.frames, s.fps, s.width, s.height, time.perf_counter() - start)


def current_made_by() -> tuple[int, int]:
    """(generator version, asset library version) of the clips this release makes, as ``MADE_BY`` compares them."""
    from worldmill.library import VERSION

    return int(ProceduralGenerator.version), int(VERSION)

