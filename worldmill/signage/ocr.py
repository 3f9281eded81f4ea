"""Read sign text back with Tesseract (Debian ``tesseract-ocr`` and its language packs, run as a subprocess), to
measure legibility instead of assuming it: character accuracy = 1 - edit distance / length of the truth."""

from __future__ import annotations

import functools
import shutil
import subprocess
import unicodedata

import cv2
import numpy as np

from worldmill.errors import RenderError

# phrase-table language -> Tesseract traineddata (Debian tesseract-ocr-<name with - for _>)
TESSERACT_LANGS = {
    "en": "eng", "fr": "fra", "de": "deu", "es": "spa", "pt": "por", "it": "ita", "nl": "nld", "pl": "pol",
    "tr": "tur", "vi": "vie", "id": "ind", "ms": "msa", "sw": "swa", "ru": "rus", "uk": "ukr", "el": "ell",
    "zh": "chi_sim", "zh_Hant": "chi_tra", "ja": "jpn", "ko": "kor", "ar": "ara", "fa": "fas", "ur": "urd",
    "hi": "hin", "bn": "ben", "ta": "tam", "th": "tha", "he": "heb",
}  # fmt: skip
TARGET_TEXT_PX = 40  # Tesseract reads best with lines about this tall


def tesseract_path() -> str | None:
    return shutil.which("tesseract")


@functools.cache
def tesseract_languages() -> frozenset[str]:
    exe = tesseract_path()
    if exe is None:
        return frozenset()
    out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, check=False).stdout
    return frozenset(line.strip() for line in out.splitlines()[1:] if line.strip())


def normalise(text: str) -> str:
    """NFC, without whitespace, joiner controls and the separators signs use (``·``), so spacing does not count
    as an error."""
    text = unicodedata.normalize("NFC", text)
    return "".join(ch for ch in text if not ch.isspace() and ch not in "·|" and unicodedata.category(ch) != "Cf")


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def char_accuracy(truth: str, read: str) -> float:
    t, r = normalise(truth), normalise(read)
    if not t:
        return 1.0 if not r else 0.0
    return max(0.0, 1.0 - edit_distance(t, r) / len(t))


def prepare(crop: np.ndarray, text_px: float) -> np.ndarray:
    """Grey, dark ink on light ground, scaled so the text is about ``TARGET_TEXT_PX`` tall, with a margin."""
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    scale = min(max(TARGET_TEXT_PX / max(text_px, 1.0), 1.0), 6.0)
    if scale > 1.0:
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    lo, hi = np.percentile(gray, 5), np.percentile(gray, 95)
    gray = np.clip((gray.astype(np.float32) - lo) * 255.0 / max(hi - lo, 1.0), 0, 255).astype(np.uint8)
    if np.median(gray) < 128:  # light text on a dark board
        gray = 255 - gray
    pad = int(TARGET_TEXT_PX * 0.6)
    return cv2.copyMakeBorder(gray, pad, pad, pad, pad, cv2.BORDER_REPLICATE)


def read_text(crop: np.ndarray, language: str, *, text_px: float = TARGET_TEXT_PX) -> str:
    """Tesseract's reading of one line of sign text in ``crop`` (uint8 RGB): single-line mode, then raw-line
    mode when that finds nothing."""
    exe = tesseract_path()
    lang = TESSERACT_LANGS.get(language)
    if exe is None or lang is None or lang not in tesseract_languages():
        raise RenderError(
            f"Tesseract cannot read {language!r} (tesseract {'missing' if exe is None else 'present'}, pack {lang!r}).",
            fix="apt-get install tesseract-ocr tesseract-ocr-<lang> (the Makefile's install step does)",
        )
    ok, png = cv2.imencode(".png", prepare(crop, text_px))
    if not ok:
        raise RenderError("Cannot encode the sign crop as PNG for Tesseract.", fix="pass a non-empty uint8 image")
    text = ""
    for psm in ("7", "13"):
        run = subprocess.run(
            [exe, "stdin", "stdout", "-l", lang, "--psm", psm],
            input=png.tobytes(),
            capture_output=True,
            timeout=60,
            check=False,
        )
        text = run.stdout.decode("utf-8", "replace").strip()
        if normalise(text):
            break
    return text
