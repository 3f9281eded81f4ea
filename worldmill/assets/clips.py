from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from worldmill import stages
from worldmill.assets._edge import at_edge
from worldmill.assets.conditions import conditions
from worldmill.assets.partitions import cells_partitions, prompts_round
from worldmill.resources import GeneratorResource, LakeResource, RenderResource, TaxonomyResource
from worldmill.resources.cluster import ClusterResource
from worldmill.resources.gpu import GPUResource


@asset(partitions_def=cells_partitions, deps=[conditions], group_name="generation", kinds={"delta"})
@at_edge
def clips(
    context: AssetExecutionContext,
    taxonomy_source: TaxonomyResource,
    lake: LakeResource,
    render: RenderResource,
    generator: GeneratorResource,
    gpu: GPUResource,
    cluster: ClusterResource,
) -> MaterializeResult:
    """Footage made from each sample's conditions by the configured generator backend; the preview embeds every
    clip's contact sheet (a data URI, so the UI shows it whatever store the lake is on)."""
    site = lake.for_cell(context.partition_key)
    tax = taxonomy_source.load()
    rows = stages.round_prompts(site.catalogue, context.partition_key, prompts_round(context))
    conds = stages.round_conditions(site.catalogue, context.partition_key, [r.sample_id for r in rows])
    engine = cluster.engine(lake, workers=render.worker_count(), device=render.device)
    made, placements = engine.clips(
        rows, conds, tax.cell(context.partition_key), generator.spec(), site.blobs, render.settings(), site.site,
        load=generator.generator, device_slot=gpu.claim,
    )
    write = site.catalogue.upsert(made)
    return MaterializeResult(
        metadata={
            "clips": len(made),
            "seconds_of_footage": sum(c.duration_s for c in made),
            "generator": f"{made[0].generator}:{made[0].generator_version}",
            "table_version": write.version,
            "footage_uri": made[0].uri,
            "faces_blurred": sum(c.faces_blurred for c in made),
            "contact_sheets": MetadataValue.json({c.clip_id: site.blobs.uri(stages.contact_sheet_key(c)) for c in made}),
            "preview": MetadataValue.md(stages.previews_markdown(made, site.blobs)),
            **cluster.metadata(placements),
        }
    )
