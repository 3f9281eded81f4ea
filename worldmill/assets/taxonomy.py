from dagster import MaterializeResult, asset

from worldmill.assets._edge import at_edge
from worldmill.resources import LakeResource, TaxonomyResource


@asset(group_name="taxonomy", kinds={"delta"})
@at_edge
def taxonomy(taxonomy_source: TaxonomyResource, lake: LakeResource) -> MaterializeResult:
    """Cities, venue types and their (city, venue) cells, validated and written to the catalogue."""
    tax = taxonomy_source.load()
    writes = [
        lake.catalogue.upsert(tax.city_rows()),
        lake.catalogue.upsert(tax.venue_rows()),
        lake.catalogue.upsert(tax.cell_rows(tax.cells(None, None))),
    ]
    return MaterializeResult(
        metadata={
            **{f"{w.table}_rows": w.rows_inserted + w.rows_updated for w in writes},
            **{f"{w.table}_version": w.version for w in writes},
            "fingerprint": tax.fingerprint,
        }
    )
