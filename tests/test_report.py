"""The static report (crosscluster report): its figures are the published tables' figures, suppressed values are
shown as such, every chart has its numbers beside it, and the catalogues cover every message in three languages.

The browser checks (console errors, requests, shapes on the maps, screenshots) are in test_report_browser.py.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import duckdb
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from babel.numbers import parse_decimal
from typer.testing import CliRunner

from pipelines.paths import ProjectPaths
from pipelines.report import geo
from pipelines.report.data import REPORT_TABLES, ReportError, load_release, open_release, resolve_release
from pipelines.report.i18n import LANGUAGES, LOCALES_DIR, catalogue_path, translations
from pipelines.report.site import Formatter
from tests.report_support import latest_release_id, parse_html, sample_report

# A district of the sample with suppressed indicators (conf_status A and D) and partners in Mexico.
CARD = "IT-0336-14.13"
PACKAGE = Path(__file__).resolve().parents[1] / "pipelines" / "report"


@pytest.fixture(scope="module")
def site(refreshed) -> tuple[ProjectPaths, Path]:
    paths, _ = refreshed
    return paths, sample_report(paths)


@pytest.fixture(scope="module")
def release(refreshed):
    """The published release, read-only, as analysts read it."""
    paths, _ = refreshed
    con = duckdb.connect(str(paths.published_db), read_only=True)
    yield con
    con.close()


def _rows(con, sql, params=()):
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def _shown(span, kind: str, language: str) -> float:
    """The number a value span shows, read back with the locale's signs."""
    text = span.text().strip()
    if kind == "share":
        return float(parse_decimal(text.rstrip("%").strip(), locale=language)) / 100
    return float(parse_decimal(text, locale=language))


def _assert_suppressed(span, status: str, language: str) -> None:
    gettext = translations(language).gettext
    assert span.attrs.get("data-value") is None
    assert span.attrs["data-conf"] == status
    assert span.text().strip() == f"{gettext('confidential')} ({status})"
    assert not re.search(r"\d", span.text())  # never a number, never zero


# ---------------------------------------------------------------- a card's figures are the published figures


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_district_card_shows_the_published_figures(site, release, language):
    _, out = site
    page = parse_html(out / language / "districts" / f"{CARD}.html")
    year = release.execute("select max(ref_year) from districts where district_id = ?", [CARD]).fetchone()[0]
    district = _rows(release, "select * from districts where district_id = ? and ref_year = ?", [CARD, year])[0]

    identification = page.find("table", data_table="districts")
    for column, kind, digits in (("firms", "int", 0), ("employees", "int", 0), ("lq", "dec2", 2),
                                 ("prevalence_index", "int", 0), ("national_share", "share", 3)):
        span = identification.find("span", data_field=column)
        assert float(span.attrs["data-value"]) == pytest.approx(district[column])
        assert _shown(span, kind, language) == pytest.approx(round(district[column], digits), abs=10 ** -digits)

    indicators = page.find("table", data_table="district_indicators")
    published = _rows(release, "select * from district_indicators where district_id = ? and ref_year = ?",
                      [CARD, year])
    assert {r.attrs["data-indicator"] for r in indicators.find_all("tr") if "data-indicator" in r.attrs} == \
        {r["indicator"] for r in published}
    suppressed = 0
    for row in published:
        span = indicators.find("tr", data_indicator=row["indicator"]).find("span", class_="v")
        if row["conf_status"] != "F":
            _assert_suppressed(span, row["conf_status"], language)
            suppressed += 1
        elif row["obs_value"] is None:
            assert row["obs_status"] == "L" and span.text().endswith("(L)")
        else:
            assert float(span.attrs["data-value"]) == pytest.approx(row["obs_value"])
    assert suppressed > 0  # the card shows the district's confidential cells

    facts = page.find("table", data_table="district_size_facts")
    for row in _rows(release, "select * from district_size_facts where district_id = ? and ref_year = ?",
                     [CARD, year]):
        line = facts.find("tr", data_fact=row["fact"])
        assert int(line.find("span", data_field="measured_value").attrs["data-value"]) == row["measured_value"]
        assert line.find("span", data_field="meets").attrs["data-value"] == str(row["meets"]).lower()

    typology = _rows(release, "select * from district_typology where district_id = ? and ref_year = ?",
                     [CARD, year])[0]
    assert page.find("strong", data_field="typology_class").attrs["data-value"] == typology["typology_class"]
    levels = page.find("table", data_table="district_typology")
    for d in range(1, 8):
        span = levels.find("tr", data_dimension=f"level_d{d}").find("span", class_="v")
        value = typology[f"level_d{d}"]
        assert span.attrs.get("data-value") == (None if value is None else repr(value))
    assert typology[f"explanation_{language}"] in page.find("p", class_="explanation").text()

    stage = release.execute("select lifecycle_stage from district_lifecycle where district_id = ? and ref_year = ?",
                            [CARD, year]).fetchone()[0]
    assert page.find("strong", data_field="lifecycle_stage").attrs["data-value"] == stage

    tiers = _rows(release, "select * from district_tiers where district_id = ? and ref_year = ?", [CARD, year])[0]
    table = page.find("table", data_table="district_tiers")
    for tier in ("leader", "primary_supplier", "satellite"):
        span = table.find("tr", data_tier=tier).find("span", data_field=f"{tier}_units")
        if tiers[f"{tier}_conf_status"] != "F":
            _assert_suppressed(span, tiers[f"{tier}_conf_status"], language)
        else:
            assert int(span.attrs["data-value"]) == tiers[f"{tier}_units"]

    gaps = page.find("table", data_table="district_gaps")
    for row in _rows(release, "select * from district_gaps where district_id = ? and ref_year = ?", [CARD, year]):
        span = gaps.find("tr", data_gap=row["gap"]).find("span", data_field="measured_value")
        if row.get("conf_status", "F") != "F":  # releases whose gap measures carry a status
            _assert_suppressed(span, row["conf_status"], language)
            continue
        assert (span.attrs.get("data-value") is None) == (row["measured_value"] is None)
        if row["measured_value"] is not None:
            assert float(span.attrs["data-value"]) == pytest.approx(row["measured_value"])

    partners = _rows(release, "select second_district_id, score from partner_matches where first_district_id = ? "
                              "order by rank_for_first limit 5", [CARD])
    shown = [r for r in page.find("table", data_table="partner_matches").find_all("tr") if "data-partner" in r.attrs]
    assert [r.attrs["data-partner"] for r in shown] == [p["second_district_id"] for p in partners]
    for line, partner in zip(shown, partners, strict=True):
        assert float(line.find("span", data_field="score").attrs["data-value"]) == pytest.approx(partner["score"])
        link = line.find("a")
        assert link.attrs["href"] == f"../districts/{partner['second_district_id']}.html"
        assert (out / language / "districts" / f"{partner['second_district_id']}.html").exists()


def test_a_latin_american_card_lists_the_partners_of_partner_top5(site, release):
    _, out = site
    top = _rows(release, "select * from partner_top5 order by district_id limit 1")[0]
    page = parse_html(out / "en" / "districts" / f"{top['district_id']}.html")
    shown = [r.attrs["data-partner"] for r in page.find("table", data_table="partner_matches").find_all("tr")
             if "data-partner" in r.attrs]
    assert shown == [top[f"partner_{i}_district_id"] for i in range(1, top["partners"] + 1)]


def test_suppressed_values_are_shown_with_their_status_on_every_card(site, release):
    """Every confidential indicator of every card is shown as 'confidential (<status>)', and there are as many as
    the published table holds for the cards' years."""
    _, out = site
    expected = release.execute(
        """
        select count(*) from district_indicators i
        join (select district_id, max(ref_year) as ref_year from districts group by 1) using (district_id, ref_year)
        where i.conf_status <> 'F'
        """
    ).fetchone()[0]
    assert expected > 0
    for language in LANGUAGES:
        found = 0
        for card in (out / language / "districts").glob("*.html"):
            table = parse_html(card).find("table", data_table="district_indicators")
            for span in table.find_all("span", class_="suppressed"):
                _assert_suppressed(span, span.attrs["data-conf"], language)
                found += 1
        assert found == expected, language


# ---------------------------------------------------------------- charts, maps and their numbers


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_chart_and_map_links_its_numbers(site, language):
    _, out = site
    pages = [p for p in (out / language).rglob("*.html")]
    figures = 0
    for page in pages:
        for figure in parse_html(page).find_all("figure"):
            figures += 1
            assert figure.find("svg"), page
            link = next(a for a in figure.find_all("a") if "download" in a.attrs)
            target = (page.parent / link.attrs["href"]).resolve()
            assert target.is_file(), (page, link.attrs["href"])
            with target.open(encoding="utf-8") as f:
                assert len(list(csv.DictReader(f))) > 0, target
    assert figures > len(pages)  # the overviews have several charts each, every card one


def test_chart_numbers_equal_the_published_tables(site, release):
    _, out = site
    for country, year in release.execute("select country, max(ref_year) from districts group by 1").fetchall():
        expected = dict(release.execute(
            "select typology_class, count(*) from district_typology where country = ? and ref_year = ? group by 1",
            [country, year]).fetchall())
        with (out / "data" / f"{country.lower()}-typology.csv").open(encoding="utf-8") as f:
            shown = {r["typology_class"]: int(r["districts"]) for r in csv.DictReader(f)}
        assert {k: v for k, v in shown.items() if v} == expected
        facts = dict(release.execute("select fact, share from size_facts where country = ? and ref_year = ?",
                                     [country, year]).fetchall())
        with (out / "data" / f"{country.lower()}-size-facts.csv").open(encoding="utf-8") as f:
            assert {r["fact"]: float(r["share"]) for r in csv.DictReader(f)} == pytest.approx(facts)


def test_each_map_draws_every_area_of_its_geometry(site, release):
    paths, out = site
    summary = json.loads((out / "report.json").read_text(encoding="utf-8"))
    sll = json.loads(geo.MAP_SOURCES["IT"].file.read_text(encoding="utf-8"))
    municipios = json.loads(geo.MAP_SOURCES["MX"].file.read_text(encoding="utf-8"))
    counties = json.loads(geo.MAP_SOURCES["US"].file.read_text(encoding="utf-8"))
    states = {r[0][:2] for r in release.execute(
        "select distinct region_code from district_identification where country = 'US'").fetchall()}
    expected = {
        "IT": len(sll["features"]),
        "MX": len(municipios["objects"]["municipios"]["geometries"]),
        "US": sum(1 for g in counties["objects"]["counties"]["geometries"] if g["properties"]["fips"][:2] in states),
    }
    assert {c: summary["countries"][c]["map_areas"] for c in expected} == expected
    assert summary["countries"]["US"]["cluster_map"] == expected["US"]
    page = parse_html(out / "en" / "country-it.html")
    areas = page.find("figure", class_="map").find("g", class_="areas_marks")
    assert len(areas.find_all("path")) == expected["IT"]


def test_mexican_municipalities_take_the_status_of_their_labour_market_area(site, release):
    _, out = site
    year = release.execute("select max(ref_year) from districts where country = 'MX'").fetchone()[0]
    districts = dict(release.execute("select area_code, district_id from districts where country = 'MX' and "
                                     "ref_year = ?", [year]).fetchall())
    with (out / "data" / "mx-map-areas.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    in_districts = [r for r in rows if r["status"] == "district"]
    assert {r["region_code"] for r in in_districts} == set(districts)
    assert all(r["district_id"] == districts[r["region_code"]] for r in in_districts)


# ---------------------------------------------------------------- reading a release


def test_an_older_release_is_read_from_its_parquet_files(refreshed, monkeypatch):
    """When the serving file holds another release, the report reads the release's own files: same tables."""
    paths, _ = refreshed
    release_id, manifest = resolve_release(paths, None)
    with open_release(paths, release_id, manifest) as (con, source):
        served = load_release(con, release_id, manifest, source)
    monkeypatch.setattr("pipelines.publish.served_release_id", lambda _paths: "another-release")
    with open_release(paths, release_id, manifest) as (con, source):
        assert source.endswith(release_id)
        from_files = load_release(con, release_id, manifest, source)
    assert from_files.districts.keys() == served.districts.keys()
    assert from_files.partner_matches == served.partner_matches
    assert [c.district for c in from_files.districts.values()] == [c.district for c in served.districts.values()]


def test_a_release_without_a_report_table_is_refused_by_name():
    con = duckdb.connect()
    con.execute("create table districts (district_id varchar)")
    with pytest.raises(ReportError, match="has no table district_identification, .*partner_matches"):
        load_release(con, "r1", {"tables": {}}, "test")
    assert "districts" in REPORT_TABLES


def test_report_without_a_release_says_to_refresh(tmp_path):
    from pipelines.cli import app

    result = CliRunner().invoke(app, ["report", "--warehouse", str(tmp_path)])
    assert result.exit_code == 2
    assert "no release" in result.output and "crosscluster refresh" in result.output


def test_report_refuses_an_unknown_language(refreshed, tmp_path):
    from pipelines.cli import app

    paths, _ = refreshed
    result = CliRunner().invoke(app, ["report", "--warehouse", str(paths.warehouse_dir), "--lang", "fr",
                                      "--out", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "fr is not one of en, it, es" in result.output
    assert not (tmp_path / "r").exists()


def test_the_composition_of_labour_market_areas_must_be_the_one_the_release_used(refreshed):
    paths, _ = refreshed
    _, manifest = resolve_release(paths, latest_release_id(paths))
    composition = geo.area_composition(manifest, "MX")
    assert composition["01001"] == "ZM0001" and len(composition) == 2478
    changed = json.loads(json.dumps(manifest))
    for entry in changed["inputs"]:
        if entry["catalogue_entry"] == "mx_lma":
            entry["sha256"] = "0" * 64
    with pytest.raises(geo.CompositionUnavailable, match="has changed since the release was built"):
        geo.area_composition(changed, "MX")


def test_topojson_areas_are_decoded_into_closed_rings():
    features = geo.map_areas("MX")
    assert len(features) == 2469
    for feature in features:
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        for ring in (r for polygon in polygons for r in polygon):
            assert ring[0] == ring[-1] and len(ring) >= 4
            assert all(-118.5 < x < -86 and 14 < y < 33 for x, y in ring)


# ---------------------------------------------------------------- languages


def _extracted_messages() -> set[str]:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2.ext:babel_extract")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    keywords = {"_": None, "gettext": None, "N_": None}
    return {m[2] for m in extract_from_dir(str(PACKAGE), method_map, options, keywords=keywords)}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_has_every_message_of_the_report(language):
    with catalogue_path(language).open("rb") as f:
        catalogue = read_po(f, locale=language)
    ids = {m.id for m in catalogue if m.id}
    extracted = _extracted_messages()
    assert extracted - ids == set(), "messages missing from the catalogue: run pybabel update (pipelines/report/i18n.py)"
    assert ids - extracted == set(), "obsolete messages in the catalogue"
    assert not [m.id for m in catalogue if m.id and m.fuzzy]
    if language != "en":
        untranslated = [m.id for m in catalogue if m.id and not m.string]
        assert untranslated == []
        for m in catalogue:
            if m.id:
                assert set(re.findall(r"%\(\w+\)s|\{\w+\}", m.id)) == set(re.findall(r"%\(\w+\)s|\{\w+\}", m.string)), \
                    m.id


def test_the_catalogues_ship_as_po_sources_only():
    assert sorted(p.relative_to(LOCALES_DIR).as_posix() for p in LOCALES_DIR.rglob("*") if p.is_file()) == \
        [f"{lang}/LC_MESSAGES/report.po" for lang in sorted(LANGUAGES)]


def test_numbers_are_written_for_the_locale():
    assert [Formatter(lang).text(65061, "int") for lang in ("en", "it", "es")] == ["65,061", "65.061", "65.061"]
    assert [Formatter(lang).text(275.0234, "dec2") for lang in ("en", "it", "es")] == ["275.02", "275,02", "275,02"]
    assert Formatter("it").text(0.525, "share") == "52,5%"
    assert str(Formatter("es").value(None, conf_status="A")).endswith(">confidencial (A)</span>")
    assert "no data" in str(Formatter("en").value(None))


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_are_in_their_language(site, language):
    _, out = site
    page = parse_html(out / language / "country-it.html")
    assert page.find("html").attrs["lang"] == language
    heading = page.find("h1").text()
    assert heading.startswith({"en": "Italy", "it": "Italia", "es": "Italia"}[language])
    title = page.find("figure", class_="chart").find("figcaption").text()
    gettext = translations(language).gettext
    assert title == gettext("Share of districts meeting each size fact, beside the reference share")
    if language != "en":
        assert title != "Share of districts meeting each size fact, beside the reference share"
