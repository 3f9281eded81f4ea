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
