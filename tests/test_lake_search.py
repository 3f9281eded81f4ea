"""Semantic search: embeddings table, cosine ranking in DuckDB, filters, and MiniLM on a labelled set."""

from __future__ import annotations

import dataclasses

import pyarrow as pa
import pytest
from conftest_lake import BagOfWordsEmbedder, catalogue_row

from worldmill.errors import CatalogueError
from worldmill.lake.search import MiniLMEmbedder, SemanticSearch, index_embeddings, scene_description

LABELLED = [
    # (city, venue, time_of_day, prompt)
    (
        "Tokyo",
        "zoo",
        "night",
        "Paper lanterns glow over the giraffe enclosure of a zoo at night, visitors with umbrellas.",
    ),
    ("Tokyo", "hospital", "noon", "A bright hospital corridor with nurses pushing a gurney past waiting chairs."),
    ("Lagos", "museum", "dusk", "Carved wooden masks and bronze statues in glass cases of a quiet museum gallery."),
    ("Paris", "amusement_park", "noon", "A roller coaster climbs above a crowded amusement park with a ferris wheel."),
    (
        "São Paulo",
        "zoo",
        "morning",
        "Monkeys swing between trees while children watch from a zoo walkway in the morning.",
    ),
    ("Shanghai", "museum", "night", "Ancient porcelain vases lit by spotlights in a dark museum hall at night."),
]

pytest_plugins = ("fixtures.lake",)  # fixtures: catalogue


def _publish(catalogue):
    rows = [
        catalogue_row(
            i,
            city=c,
            city_key=c.lower().replace(" ", "-").replace("ã", "a") + "-1",
            venue=v,
            time_of_day=t,
            prompt=p,
            accepted=i != 3,
        )
        for i, (c, v, t, p) in enumerate(LABELLED)
    ]
    catalogue.upsert(rows)
    return rows


def test_index_is_idempotent_and_stores_float32_384(catalogue):
    rows = _publish(catalogue)
    embedder = BagOfWordsEmbedder()
    assert index_embeddings(catalogue, embedder) == 2 * len(rows)  # prompt + scene per sample
    assert index_embeddings(catalogue, embedder) == 0
    assert catalogue.arrow_schema("embeddings").field("embedding").type.value_type == pa.float32()
    changed = dataclasses.replace(rows[0], prompt="changed prompt text")
    catalogue.upsert([changed])
    assert index_embeddings(catalogue, embedder) == 1  # only the changed prompt; its scene text is the same
    assert catalogue.read("embeddings").height == 2 * len(rows)
    assert catalogue.sql("SELECT DISTINCT len(embedding) AS d FROM embeddings").item() == 384


def test_search_ranks_by_cosine_and_filters(catalogue):
    _publish(catalogue)
    index_embeddings(catalogue, BagOfWordsEmbedder())
    search = SemanticSearch(catalogue, BagOfWordsEmbedder())
    hits = search.search("porcelain vases in a museum hall", k=3)
    assert hits["city"][0] == "Shanghai" and hits.height == 3
    assert hits["score"].to_list() == sorted(hits["score"].to_list(), reverse=True)
    assert 0.0 < hits["score"][0] <= 1.0 + 1e-6
    zoo_only = search.search("porcelain vases in a museum hall", k=5, where="venue = 'zoo'")
    assert set(zoo_only["venue"]) == {"zoo"} and zoo_only.height == 2
    assert set(search.search("roller coaster", k=10, where="accepted")["city"]) == {
        "Tokyo",
        "Lagos",
        "São Paulo",
        "Shanghai",
    }
    with pytest.raises(CatalogueError, match="no_such_column"):
        search.search("zoo", where="no_such_column = 1")
    with pytest.raises(CatalogueError, match="Empty search text"):
        search.search("  ")


def test_search_sees_new_embeddings_and_explains_missing_tables(catalogue):
    search = SemanticSearch(catalogue, BagOfWordsEmbedder())
    with pytest.raises(CatalogueError, match="index_embeddings"):
        search.search("zoo")
    _publish(catalogue)
    index_embeddings(catalogue, BagOfWordsEmbedder())
    assert search.search("giraffe enclosure lanterns", k=1)["city"].item() == "Tokyo"
    catalogue.upsert([catalogue_row(99, city="Oslo", city_key="oslo-1", prompt="fjord ferry terminal with seagulls")])
    index_embeddings(catalogue, BagOfWordsEmbedder())
    assert search.search("ferry terminal seagulls", k=1)["city"].item() == "Oslo"


def test_scene_description_reads_labels():
    text = scene_description(
        {
            "time_of_day": "night",
            "venue": "amusement_park",
            "city": "Tokyo",
            "weather": "rain",
            "camera_motion": "orbit",
        }
    )
    assert text == "night amusement park in Tokyo, rain weather, orbit camera"


@pytest.fixture(scope="module")
def minilm():
    return MiniLMEmbedder(device="cpu")


@pytest.mark.slow
def test_minilm_ranks_the_labelled_set(tmp_path, minilm):
    from worldmill.lake import Catalogue

    catalogue = Catalogue(str(tmp_path / "lake"))
    _publish(catalogue)
    assert index_embeddings(catalogue, minilm) == 12
    search = SemanticSearch(catalogue, minilm)
    expectations = {
        "night-time zoo in Tokyo with paper lanterns": "Tokyo",
        "primate exhibit in the morning": "São Paulo",
        "ceramics exhibition after dark": "Shanghai",
        "theme park rides": "Paris",
        "african sculpture gallery": "Lagos",
    }
    for text, city in expectations.items():
        assert search.search(text, k=1)["city"].item() == city, text
    hospital = search.search("medical staff in a clinic", k=1)
    assert hospital["venue"].item() == "hospital"
