"""Rendering: Warp ray casting of scenes into RGB, depth, segmentation, instance and normal passes."""

from worldmill.render.raycast import RenderPasses, render, warm_up

__all__ = ["RenderPasses", "render", "warm_up"]
