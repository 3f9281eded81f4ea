"""Curation metrics on decoded clips: quality, controllability, diversity, dedup signatures and dedup itself.

Plain numpy/OpenCV, no learned weights, no Dagster.
"""

from worldmill.metrics.controllability import ControlEstimators, ControlScores
from worldmill.metrics.diversity import diversity, perceptual_distance
from worldmill.metrics.quality import QualityMeasures, QualityThresholds, judge_quality, measure_quality
from worldmill.metrics.score import error_row, score_clip, score_controllability

__all__ = [
    "ControlEstimators",
    "ControlScores",
    "QualityMeasures",
    "QualityThresholds",
    "diversity",
    "error_row",
    "judge_quality",
    "measure_quality",
    "perceptual_distance",
    "score_clip",
    "score_controllability",
]
