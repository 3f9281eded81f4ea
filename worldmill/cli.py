"""The ``worldmill`` command: runs the Dagster jobs in process (no server needed) and queries the catalogue."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from worldmill.errors import WorldmillError
from worldmill.jobs import failure_text
from worldmill.settings import apply_defaults

DEMO_CITIES = ("Shanghai", "Lagos", "São Paulo", "Paris")
DEMO_VENUES = ("hospital", "zoo", "museum", "amusement_park")
EXAMPLE_QUERY = (
    "SELECT continent, venue, count(*) AS clips, count(*) FILTER (accepted) AS accepted, "
    "round(sum(duration_s), 1) AS seconds FROM catalogue GROUP BY ALL ORDER BY continent, venue"
)


def generate(
    cities: Sequence[str],
    venues: Sequence[str],
    *,
    clips: int = 2,
    width: int = 256,
    height: int = 256,
    frames: int = 48,
    fps: int = 24,
    round_: int | None = None,
    workers: int = 0,
    lanes: int = 0,
    progress: bool = True,
) -> list[str]:
    """Run the taxonomy job (unless the lake already has this taxonomy), register the cells and run the footage
    job for each cell, several cells at once on a machine with several cores. Returns the cell keys."""
    from tqdm import tqdm

    from worldmill.assets.partitions import cells_partitions
    from worldmill.errors import ConfigError
    from worldmill.jobs.footage import collector_paused, lane_pool, plan_lanes, run_cells
    from worldmill.jobs.instance import dagster_home, open_instance
    from worldmill.resources.taxonomy import environment_taxonomy, loaded_taxonomies
    from worldmill.schemas.plan import RenderSettings

    RenderSettings(width=width, height=height, frames=frames, fps=fps)  # validate before any work
    if clips < 1:
        raise ConfigError(f"--clips {clips} asks for no footage.", fix="pass --clips 1 or more")
    asked = len(set(cities)) * len(set(venues))  # the cells, known before the taxonomy that names them loads
    plan = plan_lanes(asked, os.cpu_count() or 1, lanes=lanes, render_workers=workers, pixels=width * height * frames)
    dagster_home()  # the lanes' DAGSTER_HOME, resolved before they start

    def loaded() -> dict:
        with collector_paused():  # loading, as a lane does (see there)
            environment_taxonomy()
        return loaded_taxonomies()

    with lane_pool(plan, loaded) as pool:  # the lanes import while this process loads the taxonomy and the instance
        tax = environment_taxonomy()  # the same copy the runs of this process use (``--lanes 1``)
        keys = [c.key for c in tax.cells(list(cities), list(venues))]
        quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}  # the progress bar says enough
        with collector_paused():  # the definitions load here (taxonomy job)
            instance = open_instance(partitions=(cells_partitions.name, keys))  # DAGSTER_HOME made safely beside others
            _refresh_taxonomy(instance, tax.fingerprint, keys, quiet)
        render = {"width": width, "height": height, "frames": frames, "fps": fps, "clips_per_cell": clips,
                  "workers": plan.render_workers}
        ops = {"prompts": {"config": {"round": round_}}, "scores": {"config": {"workers": plan.render_workers}}}
        run_config = {**quiet, "resources": {"render": {"config": render}}, "ops": ops}
        with tqdm(total=len(keys), desc="cells", unit="cell", disable=not progress, file=sys.stderr) as bar:
            run_cells(keys, run_config, plan, instance=instance, on_done=lambda run: bar.update(), pool=pool)
    return keys


def _refresh_taxonomy(instance, fingerprint: str, keys: Sequence[str], run_config: dict) -> None:
    """Run the taxonomy job unless the lake already holds this taxonomy's cells (same fingerprint)."""
    from worldmill.definitions import defs
    from worldmill.jobs.footage import taxonomy_is_current
    from worldmill.resources.lake import LakeResource

    lake = LakeResource(uri=os.environ["WORLDMILL_LAKE_URI"], sites_file=os.environ["WORLDMILL_SITES"])
    if taxonomy_is_current(instance, lake.catalogue, fingerprint, keys):
        return
    result = defs.resolve_job_def("taxonomy_job").execute_in_process(
        run_config=run_config, instance=instance, raise_on_error=False
    )
    if not result.success:
        raise WorldmillError(f"The taxonomy job failed:\n{failure_text(result)}")


def sql(query: str):
    """DuckDB SQL over the catalogue: every table a view by its name, across all sites (``WORLDMILL_SITES``)."""
    from worldmill.lake import commands

    return commands.sql(commands.open_lake(), query)


def _print_frame(frame, as_json: bool, columns: Sequence[str] | None = None) -> None:
    from worldmill.lake.commands import render

    text = render(frame, as_json=as_json, columns=columns)
    if text:
        print(text)


def _cmd_generate(args: argparse.Namespace) -> None:
    keys = generate(
        args.city, args.venue, clips=args.clips, width=args.width, height=args.height, frames=args.frames,
        fps=args.fps, round_=args.round, workers=args.workers, lanes=args.lanes, progress=not args.quiet,
    )
    _summary(keys)


def _summary(keys: Sequence[str]) -> None:
    lake = os.environ["WORLDMILL_LAKE_URI"]
    print(f"Generated {len(keys)} cell(s).")
    print(f"Footage:  {lake.rstrip('/')}/footage/<venue>/<city>/<sample>/")
    print(f"Tables:   {lake.rstrip('/')}/tables/  (cells, prompts, conditions, clips, scores, catalogue)")
    print(f"Query:    worldmill sql \"{EXAMPLE_QUERY}\"")
    _print_frame(sql(EXAMPLE_QUERY), as_json=False)


def _cmd_demo(args: argparse.Namespace) -> None:
    keys = generate(DEMO_CITIES, DEMO_VENUES, clips=1, progress=not args.quiet)
    _summary(keys)


def _cmd_sql(args: argparse.Namespace) -> None:
    _print_frame(sql(args.query), args.json)


def _cmd_export(args: argparse.Namespace) -> None:
    from worldmill.export import export_cosmos_transfer1
    from worldmill.lake import Catalogue, LocalBlobStore

    lake = os.environ["WORLDMILL_LAKE_URI"]
    result = export_cosmos_transfer1(
        Catalogue(lake), Path(args.out), args.where, blobs=LocalBlobStore(f"{lake.rstrip('/')}/footage")
    )
    print(f"Wrote {len(result.clips)} clip spec(s), {result.batch_path} and {result.specs_path}")


def _cmd_federate(args: argparse.Namespace) -> None:
    from worldmill.federated.runner import federate
    from worldmill.lake.commands import open_lake

    result = federate(args.rounds, open_lake(), strategy=args.strategy, min_sites=args.min_sites)
    print(result.to_json())


def _cmd_curate(args: argparse.Namespace) -> None:
    from worldmill.jobs.curation import curate
    from worldmill.jobs.instance import open_instance

    report = curate(
        os.environ["WORLDMILL_LAKE_URI"], sites_file=os.environ["WORLDMILL_SITES"], instance=open_instance()
    )
    print(f"Curated {len(report.cells)} cell(s): {report.scored} scored, {report.captioned} captioned, "
          f"{report.duplicates} duplicate(s) among {report.deduplicated} accepted clips.")
    for table, outcome in sorted(report.checks.items()):
        print(f"  check {table}: {'pass' if outcome.passed else 'FAIL: ' + '; '.join(outcome.failures)}")
    if not report.checks_passed:
        raise WorldmillError("Some catalogue checks failed (above).", fix="inspect the rows named and re-run the cells")


def _cmd_shards(args: argparse.Namespace) -> None:
    from worldmill.jobs.curation import shards
    from worldmill.jobs.instance import open_instance

    report = shards(
        os.environ["WORLDMILL_LAKE_URI"], Path(args.out), sites_file=os.environ["WORLDMILL_SITES"],
        instance=open_instance(),
    )
    print(report)


def _cmd_search(args: argparse.Namespace) -> None:
    from worldmill.lake import commands

    frame = commands.search(commands.open_lake(), args.text, k=args.k, where=args.where)
    _print_frame(frame, args.json, columns=commands.SEARCH_COLUMNS)


def _cmd_maintain(args: argparse.Namespace) -> None:
    from worldmill.lake import commands

    rows = commands.maintain(commands.open_lake(), dry_run=args.dry_run)
    print(commands.render_rows(rows, as_json=args.json))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="worldmill", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="make footage for (city, venue) cells through the footage job")
    gen.add_argument("--city", action="append", required=True, help="city name, ASCII name or key (repeatable)")
    gen.add_argument("--venue", action="append", required=True, help="venue type id, e.g. zoo (repeatable)")
    gen.add_argument("--clips", type=int, default=2, help="clips per cell in this round (default 2)")
    gen.add_argument("--width", type=int, default=256)
    gen.add_argument("--height", type=int, default=256)
    gen.add_argument("--frames", type=int, default=48)
    gen.add_argument("--fps", type=int, default=24)
    gen.add_argument("--round", type=int, default=None, help="reproduce this round (its seeds) instead of the next")
    gen.add_argument("--workers", type=int, default=0, help="render processes per cell (default: the cores a lane has)")
    gen.add_argument("--lanes", type=int, default=0, help="cells made at once (default: one per core)")
    gen.add_argument("--quiet", action="store_true", help="no progress bar")
    gen.set_defaults(func=_cmd_generate)

    demo = sub.add_parser("demo", help="the embedded default: 4 cities x 4 venues, one clip each, then a query")
    demo.add_argument("--quiet", action="store_true")
    demo.set_defaults(func=_cmd_demo)

    q = sub.add_parser("sql", help="DuckDB SQL over the catalogue tables")
    q.add_argument("query")
    q.add_argument("--json", action="store_true", help="one JSON object per row on stdout")
    q.set_defaults(func=_cmd_sql)
    export = sub.add_parser("export", help="export clips' conditions for an external model")
    export.add_argument("format", choices=["cosmos-transfer1"])
    export.add_argument("--out", required=True, help="directory for specs, batch.jsonl, control videos and maps")
    export.add_argument("--where", default=None, help="DuckDB SQL condition over the catalogue table's columns")
    export.set_defaults(func=_cmd_export)

    se = sub.add_parser("search", help="clips ranked by similarity of their prompt and scene to a text")
    se.add_argument("text")
    se.add_argument("--k", type=int, default=10)
    se.add_argument("--where", default=None, help="DuckDB SQL condition over the clips' columns")
    se.add_argument("--json", action="store_true")
    se.set_defaults(func=_cmd_search)

    mt = sub.add_parser("maintain", help="compact, z-order, checkpoint and vacuum the tables that need it, now")
    mt.add_argument("--dry-run", action="store_true", help="decide and print, change nothing")
    mt.add_argument("--json", action="store_true")
    mt.set_defaults(func=_cmd_maintain)

    cur = sub.add_parser("curate", help="score, caption, deduplicate and check whatever is not yet curated")
    cur.set_defaults(func=_cmd_curate)

    sh = sub.add_parser("shards", help="write accepted, deduplicated clips as WebDataset tar shards")
    sh.add_argument("--out", required=True)
    sh.set_defaults(func=_cmd_shards)

    fed = sub.add_parser("federate", help="train the world model across the configured sites with Flower")
    fed.add_argument("--rounds", type=int, default=2)
    fed.add_argument("--strategy", choices=["fedavg", "fedprox"], default="fedavg")
    fed.add_argument("--min-sites", type=int, default=None, help="sites a round needs (default: all)")
    fed.set_defaults(func=_cmd_federate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    apply_defaults()
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except WorldmillError as exc:
        print(f"worldmill: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
