"""The semantic class list: stable ids and colours shared by scenes, segmentation videos and metrics."""

from __future__ import annotations

from functools import cache, cached_property
from pathlib import Path

import cv2
import numpy as np
import yaml
from pydantic import ValidationError

from worldmill.errors import TaxonomyError, UnknownNameError
from worldmill.schemas.taxonomy import SemanticClass, SemanticClassFile

DEFAULT_CLASSES_FILE = Path(__file__).resolve().parent.parent / "data" / "semantic_classes.yaml"


class SemanticClasses:
    """Look-ups over the class list; ids are append-only so old segmentation videos stay readable."""

    def __init__(self, classes: list[SemanticClass], source: str = "semantic_classes.yaml"):
        self.classes = classes
        self.source = source
        self._by_name = {c.name: c for c in classes}
        self._by_id = {c.id: c for c in classes}

    @classmethod
    def load(cls, path: Path = DEFAULT_CLASSES_FILE) -> SemanticClasses:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            parsed = SemanticClassFile.model_validate(data)
        except FileNotFoundError as exc:
            raise TaxonomyError(f"Semantic class file {path} does not exist.", fix="restore it from the package data") from exc
        except yaml.YAMLError as exc:
            raise TaxonomyError(f"Semantic class file {path} is not valid YAML: {exc}.", fix="correct the YAML syntax") from exc
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"])
            raise TaxonomyError(
                f"Semantic class file {path}, field {loc or '(top level)'}: {err['msg']}.",
                fix="each class needs a unique id (0-255), a snake_case name and a unique [r, g, b] colour",
            ) from exc
        return cls(parsed.classes, source=str(path))

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.classes]

    def id(self, name: str) -> int:
        try:
            return self._by_name[name].id
        except KeyError:
            raise UnknownNameError("semantic class", name, self._by_name, source=self.source) from None

    def name(self, class_id: int) -> str:
        try:
            return self._by_id[int(class_id)].name
        except KeyError:
            raise UnknownNameError("semantic class id", str(class_id), map(str, self._by_id), source=self.source) from None

    @cached_property
    def _palette(self) -> np.ndarray:
        lut = np.zeros((256, 3), dtype=np.uint8)
        for c in self.classes:
            lut[c.id] = c.color
        lut.setflags(write=False)
        return lut

    def palette(self) -> np.ndarray:
        """uint8 [256, 3] lookup table: ``palette()[seg]`` colours a class-id image."""
        return self._palette

    def colorize(self, seg: np.ndarray) -> np.ndarray:
        """uint8 [..., 3] colours of a class-id image or video."""
        seg = np.asarray(seg)
        if seg.dtype != np.uint8 or seg.ndim < 2 or seg.size == 0:
            return self._palette[seg]
        rows = np.ascontiguousarray(seg).reshape(-1, seg.shape[-1])  # OpenCV's lookup table beats a gather
        return cv2.LUT(cv2.merge((rows, rows, rows)), self._palette[None]).reshape(seg.shape + (3,))

    def decode(self, rgb: np.ndarray) -> np.ndarray:
        """Nearest class id for each colour (lossy video shifts colours slightly)."""
        colors = np.array([c.color for c in self.classes], dtype=np.int32)
        ids = np.array([c.id for c in self.classes], dtype=np.uint8)
        flat = rgb.reshape(-1, 3).astype(np.int32)
        # The nearest colour is searched once per distinct colour (a video has thousands, not millions).
        packed, inverse = np.unique((flat[:, 0] << 16) | (flat[:, 1] << 8) | flat[:, 2], return_inverse=True)
        distinct = np.stack([packed >> 16, (packed >> 8) & 255, packed & 255], axis=1)
        best = np.empty(len(distinct), dtype=np.uint8)
        for start in range(0, len(distinct), 1 << 16):
            chunk = distinct[start : start + (1 << 16)]
            d = ((chunk[:, None, :] - colors[None, :, :]) ** 2).sum(-1)
            best[start : start + len(chunk)] = ids[d.argmin(1)]
        return best[inverse.reshape(-1)].reshape(rgb.shape[:-1])

    def near(self, rgb: np.ndarray, names: tuple[str, ...], tolerance: int = 12) -> np.ndarray:
        """bool [..., H, W]: pixels of a uint8 segmentation video within ``tolerance`` per channel of the colour
        of any class in ``names`` (the video shifts colours a little); far cheaper than ``decode`` for a few
        classes (OpenCV's range test, frame by frame in one call)."""
        rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
        rows = rgb.reshape(-1, rgb.shape[-2], 3)
        mask = np.zeros(rows.shape[:-1], dtype=np.uint8)
        for name in names:
            colour = self._palette[self.id(name)].astype(np.int16)
            low, high = np.clip(colour - tolerance, 0, 255), np.clip(colour + tolerance, 0, 255)
            mask |= cv2.inRange(rows, low.astype(np.uint8), high.astype(np.uint8))
        return mask.reshape(rgb.shape[:-1]).astype(bool)


@cache
def default_classes() -> SemanticClasses:
    """The package's class list, loaded once per process (every stage of a worker shares it)."""
    return SemanticClasses.load()
