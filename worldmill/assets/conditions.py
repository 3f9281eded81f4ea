from dagster import AssetExecutionContext, MaterializeResult, asset

from worldmill import stages
from worldmill.assets._edge import at_edge
from worldmill.assets.partitions import cells_partitions, prompts_round
from worldmill.assets.prompts import prompts
from worldmill.resources import LakeResource, RenderResource
from worldmill.resources.cluster import ClusterResource


@asset(partitions_def=cells_partitions, deps=[prompts], group_name="generation", kinds={"warp", "delta"})
@at_edge
def conditions(
    context: AssetExecutionContext, lake: LakeResource, render: RenderResource, cluster: ClusterResource
) -> MaterializeResult:
    """Each sample's scene rendered along its camera path into Cosmos-Transfer control videos."""
    site = lake.for_cell(context.partition_key)
    rows = stages.round_prompts(site.catalogue, context.partition_key, prompts_round(context))
    engine = cluster.engine(lake, workers=render.worker_count(), device=render.device)
    made, placements = engine.conditions(rows, render.settings(), site.blobs, site.site)
    write = site.catalogue.upsert(made)
    frames = sum(c.frames for c in made)
    seconds = sum(c.scene_s + c.render_s + c.encode_s for c in made)
    return MaterializeResult(
        metadata={
            "samples": len(made),
            "frames": frames,
            "render_fps_per_worker": round(frames / seconds, 1) if seconds else 0.0,
            "objects": sum(c.object_count for c in made),
            "table_version": write.version,
            **cluster.metadata(placements),
        }
    )
