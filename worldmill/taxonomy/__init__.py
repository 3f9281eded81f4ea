"""The taxonomy of places: cities (GeoNames), venue types, semantic classes and their (city, venue) cells."""

from worldmill.taxonomy.cities import city_key, lookup_form, slugify
from worldmill.taxonomy.classes import SemanticClasses
from worldmill.taxonomy.locale import ArchitectureStyle, architecture_style
from worldmill.taxonomy.taxonomy import Taxonomy, cell_key, load_taxonomy, parse_cell_key
from worldmill.taxonomy.venues import decor_for_side, motions_for_side

__all__ = [
    "ArchitectureStyle",
    "SemanticClasses",
    "Taxonomy",
    "architecture_style",
    "cell_key",
    "city_key",
    "decor_for_side",
    "load_taxonomy",
    "lookup_form",
    "motions_for_side",
    "parse_cell_key",
    "slugify",
]
