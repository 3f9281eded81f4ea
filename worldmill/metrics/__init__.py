"""Curation metrics on decoded clips: quality, controllability, dedup signatures. No Dagster here."""

from worldmill.metrics.controllability import ControlEstimators, ControlScores
from worldmill.metrics.quality import QualityMeasures, QualityThresholds, judge_quality, measure_quality
from worldmill.metrics.score import error_row, score_clip, score_controllability

__all__ = [
    "ControlEstimators",
    "ControlScores",
    "QualityMeasures",
    "QualityThresholds",
    "error_row",
    "judge_quality",
    "measure_quality",
    "score_clip",
    "score_controllability",
]
