"""Exports of the catalogue for other tools (Cosmos-Transfer1 specs and batches)."""

from worldmill.export.cosmos_transfer1 import (
    Transfer1Export,
    export_cosmos_transfer1,
    validate_transfer1_batch,
    validate_transfer1_spec,
)
from worldmill.export.transfer1_run import build_transfer1_command, clip_row_for, read_transfer1_results

__all__ = [
    "Transfer1Export",
    "build_transfer1_command",
    "clip_row_for",
    "export_cosmos_transfer1",
    "read_transfer1_results",
    "validate_transfer1_batch",
    "validate_transfer1_spec",
]
