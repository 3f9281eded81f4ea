"""A zoo space's name and its animals agree: a primate island holds primates, a savanna enclosure giraffes and
zebras, a big cat enclosure lions and tigers (``space_animals`` in venues.yaml)."""

from __future__ import annotations

import pytest
import yaml

from worldmill.errors import TaxonomyError


@pytest.fixture(scope="module")
def tax():
    from worldmill.taxonomy import load_taxonomy

    return load_taxonomy()


def test_every_zoo_pen_holds_the_animals_its_name_promises(tax):
    from worldmill.prompts import sample_id, sample_plan, seed_for

    zoo = next(c.venue for c in tax.cells(venues=["zoo"]))
    assert "primate island" in zoo.space_animals
    seen = set()
    for cell in tax.cells(venues=["zoo"])[:30]:
        for i in range(3):
            plan = sample_plan(cell, seed_for(cell.key, 0, i), sample_id(cell.key, 0, i))
            animals = {d.name for d in plan.decor if d.semantic_class == "animal"}
            promised = zoo.space_animals.get(plan.space)
            if promised is None:
                continue
            seen.add(plan.space)
            assert animals and animals <= set(promised), (plan.space, animals)
    assert {"primate island", "savanna enclosure", "big cat enclosure"} <= seen


def test_space_animals_must_name_a_space_and_its_animals(tmp_path):
    from pathlib import Path

    import worldmill
    from worldmill.taxonomy.classes import default_classes
    from worldmill.taxonomy.venues import load_venues

    raw = yaml.safe_load((Path(worldmill.__file__).parent / "data" / "venues.yaml").read_text())
    zoo = next(v for v in raw["venues"] if v["id"] == "zoo")
    classes = default_classes()
    for bad in ({"penguin beach": ["gorilla"]}, {"primate island": ["wooden bench"]}, {"primate island": ["snake"]}):
        zoo["space_animals"] = bad
        path = tmp_path / "venues.yaml"
        path.write_text(yaml.safe_dump(raw, allow_unicode=True))
        with pytest.raises(TaxonomyError):
            load_venues(path, classes)
