"""The taxonomy: GeoNames cities, venue types, locales, look-ups, cells, rows, overlays and file errors."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from worldmill.errors import TaxonomyError, UnknownNameError
from worldmill.schemas.records import CellRow, CityRow, VenueRow
from worldmill.taxonomy import cell_key, load_taxonomy, parse_cell_key
from worldmill.taxonomy.files import DEFAULT_DATA_DIR

REQUIRED_VENUES = {
    "hospital": "hospital", "zoo": "zoo", "museum": "museum", "amusement_park": "amusement_park",
    "aquarium": "interior_hall", "botanical_garden": "open_air", "university_campus": "open_air", "stadium": "stadium",
    "airport_terminal": "interior_hall", "railway_station": "interior_hall", "shopping_mall": "interior_hall",
    "public_library": "interior_hall", "theatre": "interior_hall", "street_market": "open_air",
    "science_centre": "interior_hall", "city_park": "open_air", "downtown": "skyline",
}  # fmt: skip


@pytest.fixture(scope="module")
def tax():
    return load_taxonomy()


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A writable copy of the packaged data directory."""
    target = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, target)
    return target


def _edit_venues(data_dir: Path, edit) -> None:
    path = data_dir / "venues.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


# -- cities ---------------------------------------------------------------------------------------------


def test_default_threshold_gives_564_cities_with_unique_ascii_keys(tax):
    assert len(tax.cities) == 564
    assert all(c.population >= 1_000_000 for c in tax.cities.values())
    for key, city in tax.cities.items():
        assert key == city.key and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*-\d+", key), key
        assert key.endswith(f"-{city.geonameid}") and city.ascii_name.isascii()
    assert next(iter(tax.cities)) == "shanghai-1796236"  # most populous first


def test_population_threshold_is_configurable():
    big = load_taxonomy(min_population=10_000_000)
    assert 10 < len(big.cities) < 100
    assert all(c.population >= 10_000_000 for c in big.cities.values())


def test_unicode_names_give_stable_ascii_keys(tax):
    assert tax.city("São Paulo").key == "sao-paulo-3448439"
    assert tax.city("Bogotá").key == "bogota-3688689"
    assert tax.city("Xi’an").key == tax.city("xian").key == "xian-1790630"
    assert tax.city("Köln").ascii_name == "Koln"


@pytest.mark.parametrize(
    "query, key",
    [
        ("東京", "tokyo-1850147"),
        ("TOKYO", "tokyo-1850147"),
        ("tokyo-1850147", "tokyo-1850147"),
        ("1850147", "tokyo-1850147"),
        ("sao paulo", "sao-paulo-3448439"),
        ("SÃO PAULO", "sao-paulo-3448439"),
        ("القاهرة", "cairo-360630"),
        ("Bombay", "mumbai-1275339"),
        ("Peking", "beijing-1816670"),
    ],
)
def test_city_lookup_accepts_keys_names_and_alternate_names_in_any_script(tax, query, key):
    assert tax.city(query).key == key


def test_ambiguous_name_resolves_to_the_most_populous_city(tax):
    hyderabads = [c for c in tax.cities.values() if c.name == "Hyderabad"]
    assert len(hyderabads) == 2
    assert tax.city("Hyderabad") == max(hyderabads, key=lambda c: c.population)


def test_unknown_city_is_an_error_with_suggestions(tax):
    with pytest.raises(UnknownNameError) as err:
        tax.city("Shanghia")
    assert "Shanghai" in err.value.suggestions and "Shanghai" in str(err.value)


def test_city_below_the_threshold_explains_how_to_add_it(tax):
    with pytest.raises(UnknownNameError) as err:
        tax.city("Zürich")
    assert "min_population" in str(err.value) and "2657896" in str(err.value)


# -- locale ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["London", "Tokyo", "Mumbai", "Hong Kong", "Sydney", "Nairobi"])
def test_left_driving_countries(tax, name):
    assert tax.city(name).locale.driving_side == "left"


@pytest.mark.parametrize("name", ["New York City", "Shanghai", "Paris", "São Paulo", "Cairo"])
def test_right_driving_countries(tax, name):
    assert tax.city(name).locale.driving_side == "right"


@pytest.mark.parametrize(
    "name, language, script",
    [("Cairo", "ar", "Arab"), ("Tokyo", "ja", "Jpan"), ("Shanghai", "zh", "Hans"), ("Hong Kong", "zh_Hant", "Hant"),
     ("Moscow", "ru", "Cyrl"), ("Mumbai", "hi", "Deva"), ("Seoul", "ko", "Kore"), ("São Paulo", "pt", "Latn")],
)  # fmt: skip
def test_languages_and_script_come_from_cldr(tax, name, language, script):
    locale = tax.city(name).locale
    assert locale.languages[0] == language and locale.script == script


@pytest.mark.parametrize(
    "name, band, hemisphere",
    [("Singapore", "tropical", "north"), ("Lagos", "tropical", "north"), ("Cairo", "arid", "north"), ("Riyadh", "arid", "north"),
     ("Lima", "arid", "south"), ("Moscow", "continental", "north"), ("London", "temperate", "north"),
     ("Shanghai", "subtropical", "north"), ("São Paulo", "subtropical", "south"), ("Melbourne", "temperate", "south")],
)  # fmt: skip
def test_climate_band_and_hemisphere(tax, name, band, hemisphere):
    locale = tax.city(name).locale
    assert (locale.climate_band, locale.hemisphere) == (band, hemisphere)


def test_architecture_style_by_country_with_continent_fallback(tax):
    assert tax.city("Tokyo").locale.architecture_style == "japanese_contemporary"
    assert tax.city("Lagos").locale.architecture_style == "sub_saharan_african"  # continent fallback
    assert {c.locale.architecture_style for c in tax.cities.values()} >= {
        "chinese_contemporary",
        "latin_american",
        "post_soviet",
    }


# -- venues and cells -----------------------------------------------------------------------------------


def test_venues_cover_the_required_types_with_rich_decor(tax):
    assert len(tax.venues) >= 14
    for venue_id, archetype in REQUIRED_VENUES.items():
        venue = tax.venue(venue_id)
        assert venue.archetype == archetype
        assert len(venue.decor) >= 15 and venue.camera_motions
        assert all(d.semantic_class in tax.classes.names for d in venue.decor)


def test_venue_lookup_by_name_and_unknown_venue_suggestions(tax):
    assert tax.venue("Amusement park").id == "amusement_park"
    with pytest.raises(UnknownNameError) as err:
        tax.venue("zooo")
    assert err.value.suggestions == ["zoo"]
    with pytest.raises(UnknownNameError):
        tax.cell("tokyo-1850147__aquariun")


def test_cell_keys_round_trip_and_reject_malformed_keys(tax):
    key = cell_key("sao-paulo-3448439", "amusement_park")
    assert key == "sao-paulo-3448439__amusement_park"
    assert parse_cell_key(key) == ("sao-paulo-3448439", "amusement_park")
    cell = tax.cell(key)
    assert cell.city.name == "São Paulo" and cell.venue.id == "amusement_park"
    for bad in ("sao-paulo-3448439", "São-Paulo__zoo", "tokyo-1850147__", "__zoo"):
        with pytest.raises(TaxonomyError):
            parse_cell_key(bad)
    with pytest.raises(TaxonomyError):
        cell_key("Tokyo", "zoo")


def test_cells_select_by_city_names_and_venue_ids(tax):
    cells = tax.cells(["Tokyo", "東京", "Cairo"], ["zoo", "museum"])
    assert [c.key for c in cells] == [
        "tokyo-1850147__zoo", "tokyo-1850147__museum", "cairo-360630__zoo", "cairo-360630__museum",
    ]  # fmt: skip
    assert len(tax.cells(None, None)) == len(tax.cities) * len(tax.venues)
    assert len(tax.cells([], ["zoo"])) == len(tax.cities)


def test_row_builders_make_catalogue_records(tax):
    cities = tax.city_rows()
    assert len(cities) == 564 and all(isinstance(r, CityRow) for r in cities)
    tokyo = next(r for r in cities if r.city_key == "tokyo-1850147")
    assert tokyo.languages == ["ja"] and tokyo.driving_side == "left" and tokyo.script == "Jpan"
    assert CityRow.to_arrow(cities).num_rows == 564
    venues = tax.venue_rows()
    assert {r.venue for r in venues} == set(tax.venues) and all(isinstance(r, VenueRow) for r in venues)
    assert VenueRow.to_arrow(venues).num_rows == len(tax.venues)
    cells = tax.cell_rows(tax.cells(["Cairo"], None))
    assert all(isinstance(r, CellRow) and r.city_key == "cairo-360630" and r.country_code == "EG" for r in cells)
    assert CellRow.to_arrow(cells).num_rows == len(tax.venues)


def test_fingerprint_is_stable_and_follows_content(tax, data_copy):
    assert load_taxonomy().fingerprint == tax.fingerprint
    assert re.fullmatch(r"[0-9a-f]{64}", tax.fingerprint)
    _edit_venues(data_copy, lambda doc: doc["venues"][0]["decor"][0]["count"].__setitem__(1, 9))
    assert load_taxonomy(data_copy).fingerprint != tax.fingerprint


# -- malformed files ------------------------------------------------------------------------------------


def test_invalid_yaml_names_the_file(data_copy):
    (data_copy / "venues.yaml").write_text("venues: [unclosed\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"venues\.yaml is not valid YAML"):
        load_taxonomy(data_copy)


def test_missing_field_names_file_field_and_fix(data_copy):
    _edit_venues(data_copy, lambda doc: doc["venues"][0].pop("osm_tag"))
    with pytest.raises(TaxonomyError) as err:
        load_taxonomy(data_copy)
    text = str(err.value)
    assert "venues.yaml" in text and "venues[0] (hospital).osm_tag" in text and "Field required" in text
    assert err.value.fix and "osm_tag" in err.value.fix


def test_unknown_semantic_class_is_rejected_with_suggestion(data_copy):
    _edit_venues(data_copy, lambda doc: doc["venues"][1]["decor"][0].__setitem__("semantic_class", "animall"))
    with pytest.raises(UnknownNameError) as err:
        load_taxonomy(data_copy)
    assert err.value.suggestions[0] == "animal"
    assert "venues[1] (zoo).decor[0] (giraffe).semantic_class" in str(err.value)


def test_too_little_decor_and_duplicate_decor_are_rejected(data_copy, tmp_path):
    _edit_venues(data_copy, lambda doc: doc["venues"][2].__setitem__("decor", doc["venues"][2]["decor"][:14]))
    with pytest.raises(TaxonomyError, match=r"venues\[2\] \(museum\)\.decor"):
        load_taxonomy(data_copy)
    other = tmp_path / "other"
    shutil.copytree(DEFAULT_DATA_DIR, other)
    _edit_venues(other, lambda doc: doc["venues"][0]["decor"].append(dict(doc["venues"][0]["decor"][0])))
    with pytest.raises(TaxonomyError, match="more than once"):
        load_taxonomy(other)


def test_missing_data_directory_and_bad_threshold(tmp_path):
    with pytest.raises(TaxonomyError, match="does not exist"):
        load_taxonomy(tmp_path / "nowhere")
    with pytest.raises(TaxonomyError, match="min_population"):
        load_taxonomy(min_population=-1)


# -- overlay --------------------------------------------------------------------------------------------


def _water_park() -> dict:
    decor = [
        {"name": f"slide tower {i}", "semantic_class": "ride", "size_min": [4, 8, 4], "size_max": [6, 20, 6], "placement": "scattered",
         "count": [1, 2], "space": "outdoor"}
        for i in range(15)
    ]  # fmt: skip
    return {
        "id": "water_park", "name": "Water park", "osm_tag": "leisure=water_park", "archetype": "amusement_park",
        "outdoor_spaces": ["wave pool deck"], "camera_motions": ["orbit", "glide"], "decor": decor,
    }  # fmt: skip


def test_overlay_adds_venues_and_cities_without_code_change(tmp_path, tax):
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "venues.yaml").write_text(yaml.safe_dump({"version": 1, "venues": [_water_park()]}), encoding="utf-8")
    cities = {
        "version": 1,
        "geonameids": [2661604],  # Basel
        "cities": [
            {"geonameid": 2657896},  # Zürich, below the default threshold
            {"geonameid": 990000001, "name": "Nové Přístaviště", "country_code": "JP", "latitude": 34.7, "longitude": 135.5,
             "timezone": "Asia/Tokyo", "population": 50000, "locale": {"architecture_style": "international_modern"}},
        ],
    }  # fmt: skip
    (overlay / "cities.yaml").write_text(yaml.safe_dump(cities, allow_unicode=True), encoding="utf-8")
    grown = load_taxonomy(extra_dir=overlay)

    assert len(grown.cities) == 567 and len(grown.venues) == len(tax.venues) + 1
    assert grown.city("zurich").key == "zurich-2657896" and grown.city("Basel").key == "basel-2661604"
    custom = grown.city("nove pristaviste")
    assert custom.key == "nove-pristaviste-990000001" and custom.country == "Japan" and custom.continent == "AS"
    assert custom.locale.driving_side == "left" and custom.locale.languages[0] == "ja"
    assert custom.locale.architecture_style == "international_modern"
    cell = grown.cell("zurich-2657896__water_park")
    assert cell.venue.name == "Water park" and cell.city.locale.languages[0] == "de"
    assert grown.fingerprint != tax.fingerprint


def test_overlay_errors_name_the_file_and_the_missing_fields(tmp_path):
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    with pytest.raises(TaxonomyError, match="neither venues.yaml nor cities.yaml"):
        load_taxonomy(extra_dir=overlay)
    (overlay / "cities.yaml").write_text(
        yaml.safe_dump({"version": 1, "cities": [{"geonameid": 990000002, "name": "Nowhere"}]})
    )
    with pytest.raises(TaxonomyError) as err:
        load_taxonomy(extra_dir=overlay)
    assert "cities.yaml" in str(err.value) and "country_code, latitude, longitude, timezone" in str(err.value)
    (overlay / "cities.yaml").write_text(
        yaml.safe_dump({"version": 1, "cities": [{"geonameid": 2657896, "latitude": 200}]})
    )
    with pytest.raises(TaxonomyError, match=r"cities\[0\] \(2657896\)\.latitude"):
        load_taxonomy(extra_dir=overlay)
