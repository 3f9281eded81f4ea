"""Jobs: the taxonomy refresh and the footage job that runs the partitioned chain for one cell."""

from dagster import AssetSelection, define_asset_job

taxonomy_job = define_asset_job(
    "taxonomy_job", selection=AssetSelection.assets("taxonomy"), description="Validate the taxonomy and write cities, venues and cells."
)

footage_job = define_asset_job(
    "footage_job",
    selection=AssetSelection.assets("prompts", "conditions", "clips", "scores", "captions", "catalogue"),
    description="Make one new round of labelled, curated footage for a cell: prompts → conditions → clips → scores → catalogue.",
)

curation_job = define_asset_job(
    "curation_job",
    selection=AssetSelection.assets("duplicates", "training_shards"),
    description="Deduplicate every accepted clip across the lake and write the training shards.",
)


def failure_text(result) -> str:
    """The failed steps of an in-process run and why, for a person at a terminal."""
    lines = []
    for event in result.all_events:
        if event.is_step_failure:
            data = event.step_failure_data
            text = data.user_failure_data.description if data.user_failure_data else data.error.message
            lines.append(f"{event.step_key}: {text.strip()}")
    return "\n".join(lines) or "the run failed"


def steer_time_of_day(time_of_day: str | None) -> dict:
    """Run config that steers a footage run's new round to one time of day (none: the seed decides)."""
    return {"ops": {"prompts": {"config": {"time_of_day": time_of_day}}}} if time_of_day else {}
