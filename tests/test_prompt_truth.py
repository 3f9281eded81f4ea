"""Through Dagster: the prompt the catalogue, the condition set and the generators get is the one written from
what the clip shows; the visibility table answers "which clips show X"; every clip's preview is a
self-contained image that a real browser (headless Chromium) draws."""

from __future__ import annotations

import base64
import contextlib
import functools
import http.server
import json
import re
import shutil
import subprocess
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest
from dagster import DagsterInstance, materialize

from worldmill import stages
from worldmill.assets.catalogue import catalogue
from worldmill.assets.clips import clips
from worldmill.assets.conditions import conditions
from worldmill.assets.prompts import prompts
from worldmill.assets.scores import scores
from worldmill.export import export_cosmos_transfer1
from worldmill.lake import Catalogue
from worldmill.taxonomy import load_taxonomy

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DATA_URI = re.compile(r"!\[[^\]]*\]\((data:image/jpeg;base64,[A-Za-z0-9+/=]+)\)")


@pytest.fixture(scope="module")
def cell_key() -> str:
    return load_taxonomy().cells(["Paris"], ["zoo"])[0].key


def _run(assets, key, resources):
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("cells", [key])
    result = materialize(assets, partition_key=key, instance=instance, resources=resources)
    assert result.success
    return result


def test_catalogue_condition_set_export_and_generator_get_the_seen_prompt(tiny_resources, lake_uri, cell_key, tmp_path):
    _run([prompts, conditions, clips, scores, catalogue], cell_key, tiny_resources)
    lake = Catalogue(lake_uri)
    export = export_cosmos_transfer1(lake, tmp_path / "transfer1")
    exported = {c.sample_id: json.loads((export.out_dir / c.spec_path).read_text())["prompt"] for c in export.clips}
    rows = lake.sql(
        """SELECT k.sample_id, k.prompt, k.shows, c.prompt AS final, c.prompt_sha256, p.prompt AS draft, k.rgb_path
           FROM catalogue k JOIN conditions c USING (sample_id) JOIN prompts p USING (sample_id)"""
    ).to_dicts()
    assert len(rows) == 2
    for row in rows:
        assert row["prompt"] == row["final"] == exported[row["sample_id"]]
        assert row["final"] != row["draft"]  # the plan's draft names more than the clip shows
        folder = Path(lake_uri) / "footage" / row["rgb_path"].rsplit("/", 2)[0]
        assert (folder / "prompt.txt").read_text(encoding="utf-8") == row["final"] + "\n"  # hashed with the set
        assert (folder / "visibility.json").is_file()
        named = lake.sql(
            f"SELECT kind, visible FROM visibility WHERE sample_id = '{row['sample_id']}' AND named"
        ).to_dicts()
        assert all(n["visible"] > 0 for n in named)  # every kind the prompt names is seen
        visible = lake.sql(
            f"SELECT kind FROM visibility WHERE sample_id = '{row['sample_id']}' AND visible > 0 ORDER BY prominence_rank"
        )["kind"].to_list()
        assert row["shows"] == visible
        hidden_decor = lake.sql(
            f"SELECT kind FROM visibility WHERE sample_id = '{row['sample_id']}' AND decor AND visible = 0"
        )["kind"].to_list()
        for kind in hidden_decor:  # planned but never seen: not in the prompt
            assert not re.search(rf"\b{re.escape(kind)}", row["prompt"]), kind
    kinds = lake.sql("SELECT DISTINCT kind FROM visibility WHERE visible > 0 AND decor")["kind"].to_list()
    if kinds:  # analytics: zoo clips that show a kind
        shown = lake.sql(
            f"""SELECT DISTINCT sample_id FROM visibility WHERE venue = 'zoo' AND kind = '{kinds[0]}' AND visible > 0"""
        )
        assert len(shown) >= 1


def test_preview_data_uri_fits_its_cap_and_decodes():
    image = np.random.default_rng(0).integers(0, 255, (512, 1280, 3), dtype=np.uint8)  # noise: the worst case
    uri = stages.preview_data_uri(image, 40_000)
    assert uri.startswith("data:image/jpeg;base64,") and len(uri) <= 40_000
    decoded = cv2.imdecode(np.frombuffer(base64.b64decode(uri.split(",", 1)[1]), np.uint8), cv2.IMREAD_COLOR)
    assert (
        decoded is not None
        and decoded.shape[1] <= 640
        and decoded.shape[1] / decoded.shape[0] == pytest.approx(2.5, rel=0.02)
    )


@contextlib.contextmanager
def _served(folder: Path):
    """``folder`` over HTTP on loopback, as the Dagster UI serves its pages (a web page may not load file://)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _screenshot(markdown: str, folder: Path) -> np.ndarray:
    """What headless Chromium draws for a web page of ``markdown`` (rendered as CommonMark, like the Dagster UI)."""
    from markdown_it import MarkdownIt

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "preview.html").write_text(
        f"<!doctype html><html><body style='margin:0;background:#fff'>{MarkdownIt().render(markdown)}</body></html>",
        encoding="utf-8",
    )
    shot = folder / "shot.png"
    with _served(folder) as root:
        subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={folder / 'profile'}",
             "--force-device-scale-factor=1", "--hide-scrollbars", "--window-size=900,1400", f"--screenshot={shot}",
             f"{root}/preview.html"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    image = cv2.imread(str(shot), cv2.IMREAD_COLOR)
    assert image is not None, "Chromium wrote no screenshot"
    return image


def _drawn(screenshot: np.ndarray, uri: str) -> float:
    """How well the image of ``uri`` matches somewhere in the screenshot (1: drawn pixel for pixel)."""
    image = cv2.imdecode(np.frombuffer(base64.b64decode(uri.split(",", 1)[1]), np.uint8), cv2.IMREAD_COLOR)
    return float(cv2.matchTemplate(screenshot, image, cv2.TM_CCOEFF_NORMED).max())


@pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (make test installs it: apt-get install chromium)"
)
def test_every_clip_preview_is_drawn_by_a_real_browser(tiny_resources, cell_key, tmp_path):
    result = _run([prompts, conditions, clips], cell_key, tiny_resources)
    (event,) = result.asset_materializations_for_node("clips")
    markdown = event.metadata["preview"].value
    uris = DATA_URI.findall(markdown)
    assert len(uris) == 2 and "file://" not in markdown  # every clip of the cell, nothing linked
    assert len(markdown) <= stages.PREVIEW_MAX_CHARS
    screenshot = _screenshot(markdown, tmp_path)
    for uri in uris:
        assert _drawn(screenshot, uri) > 0.9  # the browser decoded and drew it
    # the control, as before: a file:// link to the sheet itself, which a web page does not load
    sheet_uri = next(iter(event.metadata["contact_sheets"].value.values()))
    assert sheet_uri.startswith("file://") and Path(sheet_uri.removeprefix("file://")).is_file()
    linked = _screenshot(f"![contact sheet]({sheet_uri})", tmp_path / "control")
    assert _drawn(linked, uris[0]) < 0.5


def test_previews_embed_the_sheets_of_an_object_store_lake(tmp_path):
    """On S3 (moto on loopback) the sheet is fetched through the blob store: the markdown carries the image
    itself, never a path into the local cache."""
    from conftest_lake import Emulator, clip_row, moto_argv, s3_env, unique_bucket

    from worldmill.lake.storage import StorageConfig

    emulator = Emulator("moto-previews", moto_argv).start()
    try:
        cfg = StorageConfig.from_env(f"s3://{unique_bucket('previews')}/lake", env=s3_env(emulator), site="aws-us")
        cfg.ensure_bucket()
        blobs = cfg.blob_store(cache_dir=tmp_path / "cache")
        sheet = np.full((64, 320, 3), 40, np.uint8)
        sheet[:, :64] = (200, 30, 30)
        folder = tmp_path / "procedural"
        folder.mkdir()
        cv2.imwrite(str(folder / stages.CONTACT_SHEET), sheet)
        clip = clip_row(0)
        blobs.publish_dir(folder, stages.contact_sheet_key(clip).rsplit("/", 1)[0])
        markdown = stages.previews_markdown([clip], blobs)
    finally:
        emulator.stop()
    (uri,) = DATA_URI.findall(markdown)
    image = cv2.imdecode(np.frombuffer(base64.b64decode(uri.split(",", 1)[1]), np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == sheet.shape and np.abs(image[32, 10].astype(int) - sheet[32, 10]).max() < 12  # decoded
    assert str(tmp_path) not in markdown and "s3://" not in markdown
