"""Diffusion backends behind the ``Generator`` interface (weights only from local directories).

- ``sd-multicontrolnet``: Stable Diffusion with one ControlNet per modality and Transfer1-style maps, per frame.
- ``sd-keyframe``: the same on keyframes only, reprojected to the other frames (``worldmill.generation.propagation``).
- ``cosmos-transfer2.5``: Cosmos-Transfer2.5 with one ControlNet per modality, chunked with overlap.

Modules import torch/diffusers; this package file does not, so listing backends stays cheap.
"""

# name -> "module:Class", for ``worldmill.generation.BACKENDS``
DIFFUSION_BACKENDS: dict[str, str] = {
    "sd-multicontrolnet": "worldmill.generation.diffusion.sd_multicontrol:SDMultiControlGenerator",
    "sd-keyframe": "worldmill.generation.propagation:KeyframeGenerator",
    "cosmos-transfer2.5": "worldmill.generation.diffusion.cosmos_transfer:CosmosTransferGenerator",
}

__all__ = ["DIFFUSION_BACKENDS"]
