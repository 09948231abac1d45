"""The report in a real browser: Debian's Chromium, headless, driven by playwright, offline.

Every country overview, one district card and the cross-clustering page are opened from file:// URLs in each
language, with the browser context offline. Each page must log no console error, request nothing but file:// and
data: URLs, draw one shape per area of the country's geometry on its maps and render its charts; a screenshot of
each is kept in tests/artifacts/screenshots/ (git-ignored; CI keeps the folder).

Chromium comes from the Debian package (`.ci/run` installs it). Where it is missing the tests skip with the reason,
except in CI (CI=true), where they fail: a browser test that does not run is not a pass.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.report import geo
from pipelines.report.i18n import LANGUAGES
from tests.report_support import sample_report

CHROMIUM = os.environ.get("CROSSCLUSTER_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).parent / "artifacts" / "screenshots"
CARD = "IT-0336-14.13"
PAGES = ("country-it.html", "country-mx.html", "country-us.html", f"districts/{CARD}.html", "partners.html")
# No background traffic of the browser itself (updates, safe browsing, metrics) during the tests.
CHROMIUM_ARGS = ["--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-default-apps"]


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def _missing_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    if not Path(CHROMIUM).exists():
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(scope="module")
def browser():
    problem = _missing_browser()
    if problem:
        if _in_ci():
            pytest.fail(f"{problem}: CI must run the browser tests (.ci/run installs Chromium)")
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    args = CHROMIUM_ARGS + (["--no-sandbox"] if os.geteuid() == 0 else [])  # Chromium refuses root otherwise
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def site(refreshed) -> Path:
    paths, _ = refreshed
    return sample_report(paths)


@pytest.fixture(scope="module")
def expected_areas(refreshed) -> dict[str, int]:
    """Areas of each country's geometry, counted from the bundled boundary files (the U.S. map: the counties of
    the states the release covers)."""
    paths, _ = refreshed
    con = duckdb.connect(str(paths.published_db), read_only=True)
    try:
        states = {r[0][:2] for r in con.execute(
            "select distinct region_code from district_identification where country = 'US'").fetchall()}
    finally:
        con.close()
    counties = json.loads(geo.MAP_SOURCES["US"].file.read_text(encoding="utf-8"))
    return {
        "IT": len(json.loads(geo.MAP_SOURCES["IT"].file.read_text(encoding="utf-8"))["features"]),
        "MX": len(json.loads(geo.MAP_SOURCES["MX"].file.read_text(encoding="utf-8"))["objects"]["municipios"]
                  ["geometries"]),
        "US": sum(1 for g in counties["objects"]["counties"]["geometries"] if g["properties"]["fips"][:2] in states),
    }


class Visit:
    """A page opened offline, with what it logged and requested."""

    def __init__(self, browser, url: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url}"))
        self.page.goto(url, wait_until="load")

    def close(self) -> None:
        self.context.close()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page_path", PAGES)
def test_page_renders_offline(browser, site, expected_areas, language, page_path):
    visit = Visit(browser, (site / language / page_path).as_uri())
    page = visit.page
    try:
        assert page.evaluate("document.documentElement.lang") == language
        maps = page.query_selector_all("figure.map")
        for figure in maps:
            country = figure.get_attribute("data-country")
            shapes = figure.eval_on_selector_all("g.areas_marks > path", "paths => paths.length")
            assert shapes == int(figure.get_attribute("data-areas")) == expected_areas[country], (page_path, country)
            box = figure.query_selector("svg").bounding_box()
            assert box["width"] > 200 and box["height"] > 150
        charts = page.query_selector_all("figure.chart")
        for figure in charts:
            marks = figure.eval_on_selector_all("svg [role=graphics-symbol]", "marks => marks.length")
            assert marks > 0
            assert figure.query_selector("svg").bounding_box()["width"] > 100
        expected_figures = {"country-it.html": (1, 4), "country-mx.html": (1, 4), "country-us.html": (2, 4),
                            "partners.html": (2, 0)}.get(page_path, (0, 1))
        assert (len(maps), len(charts)) == expected_figures
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = page_path.replace("/", "-").removesuffix(".html")
        page.screenshot(path=str(SCREENSHOTS / f"{language}-{name}.png"), full_page=True)
        if (language, page_path) == ("en", "country-it.html"):
            page.screenshot(path=str(SCREENSHOTS / "en-country-it-top.png"))  # the README's picture
        assert visit.errors == []
        assert visit.requests and all(url.startswith(("file:", "data:")) for url in visit.requests), visit.requests
    finally:
        visit.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_industry_filter_keeps_the_pairs_of_one_industry(browser, site, refreshed, language):
    paths, _ = refreshed
    con = duckdb.connect(str(paths.published_db), read_only=True)
    try:
        industry, pairs = con.execute(
            """
            select industry, count(*) from (
                select first_isic4_class as industry from partner_matches
                union all
                select second_isic4_class from partner_matches where second_isic4_class <> first_isic4_class
            ) group by 1 order by 2 desc, 1 limit 1
            """
        ).fetchone()
        kept = {r[0] for r in con.execute(
            "select unnest([first_district_id, second_district_id]) from partner_matches "
            "where ? in (first_isic4_class, second_isic4_class)", [industry]).fetchall()}
        total = con.execute("select count(*) from partner_matches").fetchone()[0]
    finally:
        con.close()
    visit = Visit(browser, (site / language / "partners.html").as_uri())
    page = visit.page
    try:
        assert page.eval_on_selector_all("#pairs tbody tr:not([hidden])", "rows => rows.length") == total
        page.select_option("#industry", industry)
        assert page.eval_on_selector_all("#pairs tbody tr:not([hidden])", "rows => rows.length") == pairs
        highlighted = set(page.eval_on_selector_all(
            ".partner-map .districts_marks path:not(.dim)", "paths => paths.map(p => p.getAttribute('aria-label'))"))
        assert highlighted == kept
        row = page.query_selector("#pairs tbody tr:not([hidden])")
        row.click()
        selected = set(page.eval_on_selector_all(
            ".partner-map path.selected", "paths => paths.map(p => p.getAttribute('aria-label'))"))
        assert selected == {row.get_attribute("data-first"), row.get_attribute("data-second")}
        assert page.text_content("#shown").startswith(str(pairs))
        assert visit.errors == []
    finally:
        visit.close()
