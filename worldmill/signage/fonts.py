"""Which installed font writes which script, and under what licence.

Fonts come from Debian (``fonts-noto-core``, ``fonts-noto-cjk``; the Makefile installs them): Noto, under the
SIL Open Font License 1.1. Nothing is downloaded; a missing font is an error that names the package.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

from worldmill.errors import RenderError

FONT_DIRS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/opentype/noto"))
LICENCE = "OFL-1.1"
_CJK = "NotoSansCJK-Bold.ttc"
_CJK_FACES = {"Jpan": (0, "JP"), "Kore": (1, "KR"), "Hans": (2, "SC"), "Hant": (3, "TC")}
_SCRIPT_FILES = {
    "Latn": ("NotoSans-Bold.ttf", "Noto Sans Bold"),
    "Cyrl": ("NotoSans-Bold.ttf", "Noto Sans Bold"),
    "Grek": ("NotoSans-Bold.ttf", "Noto Sans Bold"),
    "Arab": ("NotoSansArabic-Bold.ttf", "Noto Sans Arabic Bold"),
    "Hebr": ("NotoSansHebrew-Bold.ttf", "Noto Sans Hebrew Bold"),
    "Deva": ("NotoSansDevanagari-Bold.ttf", "Noto Sans Devanagari Bold"),
    "Beng": ("NotoSansBengali-Bold.ttf", "Noto Sans Bengali Bold"),
    "Taml": ("NotoSansTamil-Bold.ttf", "Noto Sans Tamil Bold"),
    "Thai": ("NotoSansThai-Bold.ttf", "Noto Sans Thai Bold"),
}
_LANGUAGE_FILES = {"ur": ("NotoNastaliqUrdu-Bold.ttf", "Noto Nastaliq Urdu Bold")}  # Urdu signs are Nastaliq
DEBIAN_PACKAGE = {"ttc": "fonts-noto-cjk", "ttf": "fonts-noto-core"}


@dataclasses.dataclass(frozen=True)
class SignFont:
    """One font face: the file, the face index inside a collection, its name and licence (for the clip's record)."""

    name: str
    path: Path
    index: int = 0
    licence: str = LICENCE

    @property
    def credit(self) -> str:
        return f"{self.name} ({self.licence})"


def _find(filename: str) -> Path:
    for folder in FONT_DIRS:
        if (folder / filename).is_file():
            return folder / filename
    package = DEBIAN_PACKAGE[filename.rsplit(".", 1)[-1]]
    raise RenderError(
        f"Font {filename} for sign text is not installed (looked in {', '.join(map(str, FONT_DIRS))}).",
        fix=f"apt-get install {package} (the Makefile's install step does)",
    )


@functools.cache
def font_for(script: str, language: str = "") -> SignFont:
    """The face that writes ``script`` (ISO 15924) for ``language`` (a phrase-table code: ``ur`` is Nastaliq)."""
    if language in _LANGUAGE_FILES:
        filename, name = _LANGUAGE_FILES[language]
        return SignFont(name, _find(filename))
    if script in _CJK_FACES:
        index, region = _CJK_FACES[script]
        return SignFont(f"Noto Sans CJK {region} Bold", _find(_CJK), index)
    if script not in _SCRIPT_FILES:
        raise RenderError(
            f"No sign font is known for script {script!r}.",
            fix=f"use one of {sorted([*_SCRIPT_FILES, *_CJK_FACES])} or add its Noto face to worldmill.signage.fonts",
        )
    filename, name = _SCRIPT_FILES[script]
    return SignFont(name, _find(filename))


def digits_font() -> SignFont:
    """Numbers and clock times on every sign (platform numbers, departure times): Noto Sans."""
    return font_for("Latn")
