"""The external side of a Dagster Pipes run of Cosmos-Transfer1 (a subprocess locally, a pod on Kubernetes).

``python -m worldmill.export.pipes_entry`` reads its settings from the Pipes extras (``export_dir``,
``outputs_dir``, ``command`` list, ``cwd``), runs the command, and reports which clips came back. Only
``dagster_pipes`` (the small protocol package) is imported, never Dagster itself.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path


def main() -> int:
    from dagster_pipes import open_dagster_pipes

    from worldmill.export.transfer1_run import read_transfer1_results

    with open_dagster_pipes() as pipes:
        export_dir = Path(pipes.get_extra("export_dir"))
        outputs_dir = Path(pipes.get_extra("outputs_dir"))
        command = list(pipes.get_extra("command"))
        cwd = pipes.extras.get("cwd") or None
        outputs_dir.mkdir(parents=True, exist_ok=True)
        pipes.log.info(f"running Transfer1: {' '.join(command)}")
        started = time.perf_counter()
        completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - started
        for line in (completed.stdout + completed.stderr).splitlines()[-50:]:
            pipes.log.info(line)
        if completed.returncode != 0:
            raise RuntimeError(f"Transfer1 command exited with {completed.returncode}")
        results = read_transfer1_results(export_dir, outputs_dir)
        made = [r for r in results if r.video_path is not None]
        pipes.report_asset_materialization(
            metadata={
                "clips_exported": len(results),
                "clips_made": len(made),
                "missing": {"raw_value": [r.clip_id for r in results if r.video_path is None], "type": "json"},
                "seconds": {"raw_value": round(seconds, 3), "type": "float"},
                "outputs_dir": str(outputs_dir),
            }
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
