"""Great Expectations checks on catalogue tables: clean tables pass, each kind of corruption is caught."""

from __future__ import annotations

import dataclasses

import pytest
from conftest_curation import add_sample
from conftest_lake import make_record

from worldmill.curation.checks import check_table
from worldmill.lake import Catalogue, LocalBlobStore
from worldmill.metrics import score_clip
from worldmill.schemas.records import CellRow, ScoreRow


@pytest.fixture
def lake(tmp_path):
    root = tmp_path / "lake"
    catalogue, blobs = Catalogue(str(root)), LocalBlobStore(root / "footage")
    pairs = [add_sample(catalogue, blobs, i) for i in range(3)]
    prompts, clips = [p for p, _ in pairs], [c for _, c in pairs]
    catalogue.upsert([make_record(CellRow, cell_key=clips[0].cell_key, city_key=clips[0].city_key, venue="zoo")])
    catalogue.upsert(prompts)
    catalogue.upsert(clips)
    scores = [score_clip(blobs.path(c.rgb_path), None, clip_id=c.clip_id, cell_key=c.cell_key) for c in clips]
    catalogue.upsert(scores)
    return catalogue, blobs, clips, scores


def test_clean_tables_pass(lake):
    catalogue, blobs, *_ = lake
    for table in ("cells", "prompts", "clips", "scores", "captions"):
        outcome = check_table(catalogue, table, blobs)
        assert outcome.passed, outcome.failures
    assert check_table(catalogue, "clips", blobs).rows == 3 and check_table(catalogue, "captions").rows == 0


def test_corrupted_clips_table_fails_each_rule(lake):
    catalogue, blobs, clips, _ = lake
    blobs.path(clips[0].rgb_path).unlink()
    catalogue.upsert([
        dataclasses.replace(clips[1], fps=23, width=100),
        dataclasses.replace(clips[2], sample_id="orphan-sample", cell_key="nowhere__zoo", guardrail=""),
    ])
    failures = "\n".join(check_table(catalogue, "clips", blobs).failures)
    assert "fps_ok" in failures and "size_ok" in failures and "rgb_exists" in failures
    assert "guarded" in failures  # a clip published without the face guardrail
    assert "sample_id in prompts.sample_id" in failures and "cell_key in cells.cell_key" in failures
    assert "orphan-sample" in failures


def test_corrupted_scores_table_fails_ranges_sets_and_explanations(lake):
    catalogue, _, clips, scores = lake
    catalogue.upsert([
        dataclasses.replace(scores[0], quality_score=1.7),
        dataclasses.replace(scores[1], status="maybe"),
        dataclasses.replace(scores[2], status="fail", reason=None),
        make_record(ScoreRow, clip_id="ghost", cell_key=clips[0].cell_key, status="pass", control_reason="none",
                    scored_at=scores[0].scored_at),
    ])
    outcome = check_table(catalogue, "scores")
    failures = "\n".join(outcome.failures)
    assert not outcome.passed
    assert "quality_score" in failures and "status in ['pass', 'fail', 'error']: 1 unexpected, e.g. ['maybe']" in failures
    assert "reason_ok" in failures
    assert "ghost" in failures  # a score for a clip that does not exist
    assert "nulls_explained" in failures  # a pass row without metrics


def test_duplicate_ids_are_caught(lake):
    catalogue, _, clips, _ = lake
    dupe = dataclasses.replace(clips[1], clip_id=clips[0].clip_id)
    frame = catalogue.read("clips")
    from deltalake import write_deltalake  # bypass the MERGE, as a faulty writer would

    write_deltalake(catalogue.table_uri("clips"), type(clips[0]).to_arrow([dupe]), mode="append",
                    partition_by=list(type(clips[0]).partition_by))
    assert len(catalogue.read("clips")) == len(frame) + 1
    failures = "\n".join(check_table(catalogue, "clips").failures)
    assert "clip_id unique" in failures and clips[0].clip_id in failures


def test_gx_imports_without_the_backends_it_never_uses():
    """A fresh process validates with GX yet loads no Spark, SQL or cloud SDK (~80 MB per lane), and those
    stay importable afterwards. Fails if the checks import ``great_expectations`` plainly (all are installed)."""
    import subprocess
    import sys

    code = (
        "import sys, importlib, pandas as pd\n"
        "from worldmill.curation import checks as C\n"
        "f = pd.DataFrame({'clip_id': ['a', 'b']})\n"
        "assert C.validate_frame('t', f, C._fold_rules(f, {'id': f.clip_id.notna()})).passed\n"
        "print('loaded=' + ','.join(m for m in C.GX_UNUSED_BACKENDS if m in sys.modules))\n"
        "for m in ('sqlalchemy', 'boto3'): importlib.import_module(m)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300)
    assert run.stdout.strip().splitlines()[-1] == "loaded="


def test_each_table_goes_to_gx_as_one_expectation_over_one_column(lake, monkeypatch):
    """Every rule (ids, references, allowed statuses, ranges) is folded into one boolean column, and GX is given
    only that column: each expectation costs GX ~6 ms whatever it checks, and it walks every column it gets."""
    from worldmill.curation import checks

    catalogue, blobs, *_ = lake
    seen = []
    real = checks.validate_frame
    monkeypatch.setattr(checks, "validate_frame",
                        lambda name, frame, exps: seen.append((name, list(frame.columns), len(exps))) or real(name, frame, exps))
    outcomes = [check_table(catalogue, table, blobs) for table in ("prompts", "clips", "scores")]
    assert all(o.passed for o in outcomes) and outcomes[2].expectations > 10  # the rules are all still counted
    assert seen == [(table, [checks.RULES_COLUMN], 1) for table in ("prompts", "clips", "scores")]
