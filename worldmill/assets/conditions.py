from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from worldmill import stages
from worldmill.assets._edge import at_edge
from worldmill.assets.partitions import cells_partitions, prompts_round
from worldmill.assets.prompts import prompts
from worldmill.resources import LakeResource, RenderResource
from worldmill.resources.cluster import ClusterResource
from worldmill.schemas.records import VisibilityRow


@asset(partitions_def=cells_partitions, deps=[prompts], group_name="generation", kinds={"warp", "delta"})
@at_edge
def conditions(
    context: AssetExecutionContext, lake: LakeResource, render: RenderResource, cluster: ClusterResource
) -> MaterializeResult:
    """Each sample's scene rendered along a camera path checked to show its subject into Cosmos-Transfer control
    videos, with what each clip shows (table ``visibility``) and the final prompt written from it."""
    site = lake.for_cell(context.partition_key)
    rows = stages.round_prompts(site.catalogue, context.partition_key, prompts_round(context))
    engine = cluster.engine(lake, workers=render.worker_count(), device=render.device)
    made, placements = engine.conditions(rows, render.settings(), site.blobs, site.site)
    write = site.catalogue.upsert(made.conditions)
    site.catalogue.upsert(made.visibility, record_type=VisibilityRow)
    frames = sum(c.frames for c in made.conditions)
    seconds = sum(c.scene_s + c.render_s + c.encode_s for c in made.conditions)
    framed = [c.lead_in_frame for c in made.conditions if c.lead_in_frame is not None]
    return MaterializeResult(
        metadata={
            "samples": len(made.conditions),
            "frames": frames,
            "render_fps_per_worker": round(frames / seconds, 1) if seconds else 0.0,
            "objects": sum(c.object_count for c in made.conditions),
            "table_version": write.version,
            "lead_subject_in_frame": round(sum(framed) / len(framed), 3) if framed else 0.0,
            "example_prompt": MetadataValue.md(made.conditions[0].prompt or ""),
            **cluster.metadata(placements),
        }
    )
