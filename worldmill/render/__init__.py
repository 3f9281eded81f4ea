"""Rendering: Warp ray casting of scenes into RGB, depth, segmentation, instance and normal passes, the
control signals derived from them, the condition files per sample, and a process pool that renders many.
"""

from worldmill.render.conditions import (
    CONDITION_FILES,
    H264_SETTINGS,
    choose_depth_unit,
    contact_sheet,
    decode_depth,
    depth_colours,
    encode_depth,
    read_depth_m,
    write_conditions,
)
from worldmill.render.controls import (
    MODALITIES,
    ControlWeightPolicy,
    control_maps,
    edges,
    foreground_mask,
    normalise_weights,
    vis,
)
from worldmill.render.pool import RenderPool, SampleRenderResult, render_sample, render_samples
from worldmill.render.raycast import RenderPasses, render, render_instance, warm_up

__all__ = [
    "CONDITION_FILES",
    "H264_SETTINGS",
    "MODALITIES",
    "ControlWeightPolicy",
    "RenderPasses",
    "RenderPool",
    "SampleRenderResult",
    "choose_depth_unit",
    "contact_sheet",
    "control_maps",
    "decode_depth",
    "depth_colours",
    "edges",
    "encode_depth",
    "foreground_mask",
    "normalise_weights",
    "read_depth_m",
    "render",
    "render_instance",
    "render_sample",
    "render_samples",
    "vis",
    "warm_up",
    "write_conditions",
]
