"""Standard analytics views over the catalogue, created on every SQL connection whose tables allow them.

``catalogue`` is the published index (one row per clip with its verdict); ``clips`` carries generation cost.
``clip_versions`` marks a clip superseded once its cell holds a clip of the same generator made by a newer
generator or asset library version: old footage stays queryable, and curation can leave it out.
"""

from __future__ import annotations

from collections.abc import Collection

import duckdb

# What made a clip, comparable as a list: [generator version, asset library version] (non-numeric or missing → 0).
MADE_BY = (
    "[coalesce(try_cast(generator_version AS BIGINT), 0), coalesce(try_cast(asset_library_version AS BIGINT), 0)]"
)

STANDARD_VIEWS: dict[str, tuple[tuple[str, ...], str]] = {
    # name: (tables it needs, SELECT)
    "coverage": (
        ("catalogue",),
        """SELECT city, venue, time_of_day,
                  count(*) AS clips,
                  count(*) FILTER (WHERE accepted) AS accepted_clips,
                  coalesce(sum(duration_s) FILTER (WHERE accepted), 0) / 3600.0 AS footage_hours
           FROM catalogue GROUP BY city, venue, time_of_day""",
    ),
    "acceptance_rate": (
        ("catalogue",),
        """SELECT generator, venue,
                  count(*) AS clips,
                  count(*) FILTER (WHERE accepted) AS accepted_clips,
                  count(*) FILTER (WHERE accepted) / count(*) AS acceptance_rate
           FROM catalogue GROUP BY generator, venue""",
    ),
    "footage_hours": (
        ("catalogue",),
        """SELECT continent, city, venue,
                  count(*) FILTER (WHERE accepted) AS accepted_clips,
                  coalesce(sum(duration_s) FILTER (WHERE accepted), 0) / 3600.0 AS footage_hours
           FROM catalogue GROUP BY continent, city, venue""",
    ),
    "cost_per_accepted_second": (
        ("clips", "catalogue"),
        """SELECT c.generator,
                  count(*) AS clips,
                  count(*) FILTER (WHERE k.accepted) AS accepted_clips,
                  sum(c.generate_s) AS compute_s,
                  coalesce(sum(c.duration_s) FILTER (WHERE k.accepted), 0) AS accepted_s,
                  sum(c.generate_s) / nullif(sum(c.duration_s) FILTER (WHERE k.accepted), 0)
                      AS compute_s_per_accepted_s
           FROM clips c LEFT JOIN catalogue k USING (clip_id) GROUP BY c.generator""",
    ),
    "clip_versions": (
        ("clips",),
        f"""SELECT clip_id, cell_key, generator, generator_version, asset_library_version, round,
                  made_by < max(made_by) OVER (PARTITION BY cell_key, generator) AS superseded
           FROM (SELECT *, {MADE_BY} AS made_by FROM clips)""",
    ),
}


def create_standard_views(
    con: duckdb.DuckDBPyConnection, tables: Collection[str], *, only: Collection[str] | None = None
) -> list[str]:
    """Create each standard view whose tables are registered (of those named in ``only``, when given); return the
    names created. A view whose columns the tables lack (a lake last written by an older release) is left out
    until a newer write adds them."""
    made = []
    for name, (needs, select) in STANDARD_VIEWS.items():
        if all(t in tables for t in needs) and name not in tables and (only is None or name in only):
            try:
                con.execute(f'CREATE OR REPLACE VIEW "{name}" AS {select}')
            except duckdb.BinderException:
                continue
            made.append(name)
    return made
