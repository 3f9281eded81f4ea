"""Standard analytics views over the catalogue, created on every SQL connection whose tables allow them.

``catalogue`` is the published index (one row per clip with its verdict); ``clips`` carries generation cost.
"""

from __future__ import annotations

from collections.abc import Collection

import duckdb

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
}


def create_standard_views(con: duckdb.DuckDBPyConnection, tables: Collection[str]) -> list[str]:
    """Create each standard view whose tables are registered; return the names created."""
    made = []
    for name, (needs, select) in STANDARD_VIEWS.items():
        if all(t in tables for t in needs) and name not in tables:
            con.execute(f'CREATE OR REPLACE VIEW "{name}" AS {select}')
            made.append(name)
    return made
