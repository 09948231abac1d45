"""Write the static report of one release: overview pages per country, a card per district and the
cross-clustering page, in each language, with every chart's numbers as CSV beside the pages.

Layout of the output folder::

    index.html                      the languages
    report.json                     what was written (release, languages, pages, areas per map)
    assets/report.css, report.js    the one style sheet and the industry filter of the partners page
    data/*.csv                      the numbers of every chart and map (one file per chart, all languages)
    <lang>/index.html               the release at a glance
    <lang>/country-<cc>.html        a country's overview
    <lang>/partners.html            cross-clustering: ranked partner pairs and the map pair
    <lang>/districts/<id>.html      a district's card

Pages open from the file system: no server, no request to the network (charts and maps are inline SVG).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from pipelines.paths import REFERENCE_DIR, ProjectPaths, display
from pipelines.report import charts, geo
from pipelines.report.data import (
    CountryData,
    DistrictData,
    ReleaseData,
    ReportError,
    load_release,
    open_release,
    resolve_release,
)
from pipelines.report.i18n import (
    AREA_STATUSES,
    CONF_STATUS,
    COUNTRIES,
    DIMENSIONS,
    GAPS,
    INDICATORS,
    LANGUAGE_NAMES,
    LANGUAGES,
    LEADER_CONCENTRATION,
    LIFECYCLE_BRANCHES,
    LIFECYCLE_STAGES,
    METHODS,
    OBS_STATUS,
    SIZE_FACTS,
    STRENGTH_STATUSES,
    TYPOLOGY_CLASSES,
    fixed,
    label,
    number,
    percent,
    translations,
)

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"
ISIC4_CLASSES_FILE = REFERENCE_DIR / "crosswalks_un_census" / "isic4_classes.csv"
REPORT_MARKER = "report.json"
# Map sizes in pixels (width, height) by country; the projection fits the areas into them.
MAP_SIZES = {"IT": (460, 540), "MX": (620, 420), "US": (560, 460)}
PARTNER_MAP_SIZE = (500, 440)
# Charts and maps are rendered on this many threads (vl-convert's own work overlaps Altair's and the page's).
RENDER_THREADS = max(2, min(4, os.cpu_count() or 2))
# Bloc order on the cross-clustering page: the European district on the left.
EUROPE = {"IT"}


@dataclass
class ReportResult:
    release_id: str
    out_dir: Path
    languages: tuple[str, ...]
    pages: list[str]
    seconds: float


# ---------------------------------------------------------------- values as the pages show them


class Formatter:
    """Values for one language: numbers formatted for the locale, and a missing value shown with its reason
    (a confidentiality status, or not available), never as zero. Each value is a span carrying the raw value and
    its statuses (data-value, data-conf, data-obs), so that a test can compare it with the published table."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.gettext = translations(language).gettext

    def text(self, value, kind: str) -> str:
        if isinstance(value, bool):
            return self.gettext("yes") if value else self.gettext("no")
        if kind == "int":
            return number(round(value), self.language)
        if kind == "share":
            return percent(value, self.language, 1)
        if kind.startswith("dec"):
            return fixed(value, self.language, int(kind[3:]))
        return str(value)

    def value(self, value, kind: str = "int", *, conf_status: str | None = None, obs_status: str | None = None,
              field: str | None = None) -> Markup:
        _ = self.gettext
        suppressed = conf_status is not None and conf_status != "F"
        attrs = {"class": "v", "data-field": field, "data-conf": conf_status, "data-obs": obs_status,
                 "data-value": None if value is None or suppressed else (str(value).lower() if isinstance(value, bool)
                                                                         else repr(value))}
        if suppressed:
            confidential = _("confidential")
            text, title = f"{confidential} ({conf_status})", label(CONF_STATUS, conf_status, _)
            attrs["class"] = "v suppressed"
        elif value is None:
            if obs_status == "L":
                not_available = _("not available")
                text, title = f"{not_available} (L)", label(OBS_STATUS, "L", _)
            else:
                text, title = _("no data"), _("no value in the published table")
            attrs["class"] = "v missing"
        else:
            text, title = self.text(value, kind), None
        if title:
            attrs["title"] = title
        html = "".join(f' {k}="{escape(v)}"' for k, v in attrs.items() if v is not None)
        marker = ""
        if obs_status == "E" and value is not None and not suppressed:
            marker = f' <abbr class="estimate" title="{escape(label(OBS_STATUS, "E", _))}">e</abbr>'
        return Markup(f"<span{html}>{escape(text)}</span>{marker}")


def indicator_kind(indicator: str, unit: str | None) -> str:
    """How an indicator's value is written: a share as a percentage, counts as whole numbers, ratios with two
    decimals."""
    unit = (unit or "").lower()
    if unit.startswith("share"):
        return "share"
    if indicator in ("lq", "average_unit_size", "export_intensity_index") or unit.startswith(("ratio", "branches")):
        return "dec2"
    return "int"


# ---------------------------------------------------------------- maps (shared by the languages)


@dataclass
class MapFigure:
    svg: str
    areas: int  # shapes of the base layer: one per area of the geometry
    legend: list[tuple[str, str, int]]  # (colour, key, areas) - the page translates the keys
    csv: str
    note: str | None = None  # why part of the map is not coloured (an English message id)


@dataclass
class CountryMaps:
    status: MapFigure | None
    cluster: MapFigure | None = None
    industries: dict[str, str] = field(default_factory=dict)  # legend key -> industry label (its name)


def _map_codes(country: CountryData, manifest: dict) -> tuple[dict[str, str], str | None]:
    """Map area code -> region code of the release (the area itself, or its labour-market area), and a note when
    the composition of the labour-market areas is not available."""
    source = geo.MAP_SOURCES[country.country]
    if country.area_level in (None, source.area_level):
        return {}, None
    if source.area_level == "area" and country.area_level == "lma":
        try:
            return geo.area_composition(manifest, country.country), None
        except geo.CompositionUnavailable as exc:
            return {}, str(exc)
    return {}, f"the map's areas ({source.area_level}) do not match the districts' areas ({country.area_level})"


def status_map(country: CountryData, manifest: dict, data_dir: Path) -> tuple[MapFigure | None, dict[str, str]]:
    """The country's areas coloured by district status and main industry, districts outlined."""
    if country.country not in geo.MAP_SOURCES:
        return None, {}
    source = geo.MAP_SOURCES[country.country]
    composition, note = _map_codes(country, manifest)
    features = geo.map_areas(country.country, set(country.identification))
    region_of = {f["properties"]["area_code"]: composition.get(f["properties"]["area_code"],
                                                               f["properties"]["area_code"]) for f in features}
    # Main industries in order of their districts' employment; the ones beyond the palette share one colour.
    industries: dict[str, str] = {}
    for d in sorted(country.districts, key=lambda d: (-(d["employees"] or 0), d["district_id"])):
        industries.setdefault(d["main_industry_code"], d["main_industry_name"] or d["main_industry_code"])
    palette = dict(zip(list(industries)[: len(charts.INDUSTRY_COLOURS)], charts.INDUSTRY_COLOURS))
    key_of_industry = {code: f"industry:{code}" if code in palette else "other_industries" for code in industries}
    colours = {f"industry:{code}": colour for code, colour in palette.items()}
    if len(industries) > len(palette):
        colours["other_industries"] = charts.OTHER_INDUSTRIES_COLOUR
    colours.update(charts.STATUS_COLOURS)
    legend_names = {f"industry:{code}": industries[code] for code in palette}
    district_of = {d["area_code"]: d for d in country.districts}
    fill, outlined, rows = {}, {}, []
    for f in features:
        code = f["properties"]["area_code"]
        region = region_of[code]
        district = district_of.get(region)
        verdicts = country.identification.get(region)
        if district is not None:
            key = key_of_industry[district["main_industry_code"]]
            outlined[code] = district["district_id"]
        elif verdicts is None:
            key = "no_data"
        elif any(verdicts.values()):
            key = "other_method"
        else:
            key = "not_district"
        fill[code] = key
        rows.append({"area_code": code, "region_code": region, "status": "district" if district else key,
                     "main_industry_code": district["main_industry_code"] if district else None,
                     "district_id": district["district_id"] if district else None,
                     "ref_year": country.ref_year})
    width, height = MAP_SIZES[country.country]
    svg = charts.area_map(features, fill, colours, outlined, width=width, height=height,
                          projection=source.projection, borders=geo.map_borders(country.country)).svg()
    name = f"{country.country.lower()}-map-areas.csv"
    write_csv(data_dir / name, rows)
    counts: dict[str, int] = {}
    for key in fill.values():
        counts[key] = counts.get(key, 0) + 1
    legend = [(colour, key, counts.get(key, 0)) for key, colour in colours.items() if counts.get(key, 0)]
    return MapFigure(svg, len(features), legend, name, note), legend_names


def cluster_map(country: CountryData, data_dir: Path) -> MapFigure | None:
    """United States: the counties where the chosen cluster is strong."""
    cluster = country.cluster
    if cluster is None:
        return None
    source = geo.MAP_SOURCES[country.country]
    features = geo.map_areas(country.country, set(country.identification))
    by_county = {c["region_code"]: c for c in cluster["counties"]}
    fill = {}
    for f in features:
        row = by_county.get(f["properties"]["area_code"])
        fill[f["properties"]["area_code"]] = "no_employment" if row is None else (
            "strong" if row["is_strong"] else "not_strong")
    width, height = MAP_SIZES[country.country]
    svg = charts.area_map(features, fill, charts.STRENGTH_COLOURS, {}, width=width, height=height,
                          projection=source.projection, borders=geo.map_borders(country.country)).svg()
    name = f"{country.country.lower()}-cluster-{cluster['cluster_code']}-counties.csv"
    write_csv(data_dir / name, [
        {"county": f["properties"]["area_code"], "status": fill[f["properties"]["area_code"]],
         **{k: by_county.get(f["properties"]["area_code"], {}).get(k)
            for k in ("region_name", "employees", "establishments", "lq", "lq_strong_threshold")}}
        for f in features
    ])
    counts = {k: sum(1 for v in fill.values() if v == k) for k in charts.STRENGTH_COLOURS}
    legend = [(colour, key, counts[key]) for key, colour in charts.STRENGTH_COLOURS.items()]
    return MapFigure(svg, len(features), legend, name)


def partner_maps(release: ReleaseData, data_dir: Path) -> list[tuple[str, MapFigure]]:
    """One map per country of the partner pairs (European first), the paired districts marked."""
    countries: dict[str, dict[str, str]] = {}
    for m in release.partner_matches:
        for side in ("first", "second"):
            countries.setdefault(m[f"{side}_country"], {})[m[f"{side}_district_id"]] = m[f"{side}_district_id"]
    out = []
    for country in sorted(countries, key=lambda c: (c not in EUROPE, c)):
        data = release.countries.get(country)
        if data is None or country not in geo.MAP_SOURCES:
            continue
        composition, note = _map_codes(data, release.manifest)
        features = geo.map_areas(country, set(data.identification))
        area_of_district = {c.district_id: c.district["area_code"] for c in release.districts.values()
                            if c.district["country"] == country}
        regions = {area_of_district[d]: d for d in countries[country] if d in area_of_district}
        marked = {}
        for f in features:
            code = f["properties"]["area_code"]
            region = composition.get(code, code)
            if region in regions:
                marked[code] = regions[region]
        width, height = PARTNER_MAP_SIZE
        svg = charts.partner_map(features, marked, width=width, height=height,
                                 projection=geo.MAP_SOURCES[country].projection,
                                 borders=geo.map_borders(country)).svg()
        name = f"partners-map-{country.lower()}.csv"
        write_csv(data_dir / name, [{"area_code": a, "district_id": d} for a, d in sorted(marked.items())])
        out.append((country, MapFigure(svg, len(features), [], name, note)))
    return out


# ---------------------------------------------------------------- charts (one per language)


@dataclass
class ChartFigure:
    svg: str
    csv: str


def write_csv(path: Path, rows: list[dict], columns: Iterable[str] | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = list(columns or (rows[0].keys() if rows else []))
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def country_chart_specs(country: CountryData, gettext: Callable[[str], str]) -> dict[str, tuple[object, str, list]]:
    """The overview's bar charts for one language: name -> (chart, CSV file name, CSV rows)."""
    _ = gettext
    cc = country.country.lower()
    specs = {}
    if country.size_facts:
        rows, csv_rows = [], []
        for f in country.size_facts:
            fact = label(SIZE_FACTS, f["fact"], _)
            rows.append({"fact": fact, "series": _("Districts of the country"), "share": f["share"]})
            if f["reference_share"] is not None:
                rows.append({"fact": fact, "series": _("Reference share"), "share": f["reference_share"]})
            csv_rows.append({k: f[k] for k in ("country", "ref_year", "fact", "threshold", "districts",
                                               "districts_meeting", "share", "reference_share",
                                               "share_minus_reference")})
        chart = charts.paired_bar_chart(rows, category="fact", series="series", value="share",
                                        category_title=_("Size fact"), value_title=_("Share of districts"),
                                        series_order=[_("Districts of the country"), _("Reference share")])
        specs["size_facts"] = (chart, f"{cc}-size-facts.csv", csv_rows)
    typology = [{"label": label(TYPOLOGY_CLASSES, c, _), "districts": n} for c, n in country.typology_counts.items()]
    specs["typology"] = (
        charts.bar_chart(typology, category="label", value="districts", category_title=_("Typology class"),
                         value_title=_("Districts"), colour="#59a14f"),
        f"{cc}-typology.csv",
        [{"country": country.country, "ref_year": country.ref_year, "typology_class": c, "districts": n}
         for c, n in country.typology_counts.items()],
    )
    stages = [{"label": label(LIFECYCLE_STAGES, s, _), "districts": n} for s, n in country.lifecycle_counts.items()]
    specs["lifecycle"] = (
        charts.bar_chart(stages, category="label", value="districts", category_title=_("Life-cycle stage"),
                         value_title=_("Districts"), colour="#f28e2b"),
        f"{cc}-lifecycle.csv",
        [{"country": country.country, "ref_year": country.ref_year, "lifecycle_stage": s, "districts": n}
         for s, n in country.lifecycle_counts.items()],
    )
    if country.strongest:
        rows = [{"district": _short(d["district_name"]), "excess": d["prevalence_index"]} for d in country.strongest]
        specs["strongest"] = (
            charts.bar_chart(rows, category="district", value="excess", category_title=_("District"),
                             value_title=_("Employment in excess of the expected share (prevalence index)")),
            f"{cc}-strongest.csv",
            [{k: d[k] for k in ("district_id", "district_name", "ref_year", "firms", "employees", "lq",
                                "prevalence_index")} for d in country.strongest],
        )
    return specs


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def district_chart_spec(card: DistrictData, gettext: Callable[[str], str]):
    """The card's chart: the seven typology dimensions with their levels (None without a typology row)."""
    if card.typology is None:
        return None
    _ = gettext
    rows = []
    for column, name in DIMENSIONS.items():
        level = card.typology[column]
        rows.append({"dimension": _(name), "level": level, "level_text": str(level) if level is not None
                     else _("no data")})
    chart = charts.levels_chart(rows, dimension_title=_("Dimension"), level_title=_("Level (1-4)"))
    csv_rows = [{"district_id": card.district_id, "ref_year": card.typology["ref_year"], "dimension": c,
                 "level": card.typology[c]} for c in DIMENSIONS]
    return chart, f"districts/{card.district_id}-typology-levels.csv", csv_rows


# ---------------------------------------------------------------- pages


@cache
def _isic_titles() -> dict[str, str]:
    with ISIC4_CLASSES_FILE.open(encoding="utf-8") as f:
        return {r["isic4_code"]: r["isic4_title"] for r in csv.DictReader(f)}


def environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)
    gettext = translations(language).gettext
    env.globals.update(
        lang=language,
        language_names=LANGUAGE_NAMES,
        label=lambda labels, code: label(labels, code, gettext),
        TYPOLOGY_CLASSES=TYPOLOGY_CLASSES, LIFECYCLE_STAGES=LIFECYCLE_STAGES, LIFECYCLE_BRANCHES=LIFECYCLE_BRANCHES,
        DIMENSIONS=DIMENSIONS, CONF_STATUS=CONF_STATUS, OBS_STATUS=OBS_STATUS, METHODS=METHODS,
        SIZE_FACTS=SIZE_FACTS, GAPS=GAPS, INDICATORS=INDICATORS, LEADER_CONCENTRATION=LEADER_CONCENTRATION,
        COUNTRIES=COUNTRIES, AREA_STATUSES=AREA_STATUSES, STRENGTH_STATUSES=STRENGTH_STATUSES,
        indicator_kind=indicator_kind,
    )
    return env


class SiteWriter:
    def __init__(self, release: ReleaseData, out: Path, languages: tuple[str, ...]) -> None:
        self.release = release
        self.out = out
        self.languages = languages
        self.data_dir = out / "data"
        self.pages: list[str] = []
        self.maps: dict[str, CountryMaps] = {}
        self.partner_maps: list[tuple[str, MapFigure]] = []
        self._formatter = Formatter(languages[0])  # the language being written
        self.generated_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")

    # Maps are the same in every language: drawn once, in parallel.
    def draw_maps(self) -> None:
        countries = list(self.release.countries.values())
        with ThreadPoolExecutor(max_workers=RENDER_THREADS) as pool:
            status = {c.country: pool.submit(status_map, c, self.release.manifest, self.data_dir) for c in countries}
            cluster = {c.country: pool.submit(cluster_map, c, self.data_dir) for c in countries}
            partners = pool.submit(partner_maps, self.release, self.data_dir)
            for c in countries:
                figure, industries = status[c.country].result()
                self.maps[c.country] = CountryMaps(figure, cluster[c.country].result(), industries)
            self.partner_maps = partners.result()

    def render_charts(self, language: str) -> tuple[dict[str, dict[str, ChartFigure]], dict[str, ChartFigure]]:
        gettext = translations(language).gettext
        jobs: list[tuple[str, str, object, str, list]] = []
        for country in self.release.countries.values():
            for name, (chart, csv_name, rows) in country_chart_specs(country, gettext).items():
                jobs.append((country.country, name, chart, csv_name, rows))
        for card in self.release.districts.values():
            spec = district_chart_spec(card, gettext)
            if spec is not None:
                jobs.append(("district", card.district_id, *spec))
        with ThreadPoolExecutor(max_workers=RENDER_THREADS) as pool:
            svgs = list(pool.map(lambda job: charts.to_svg(job[2], language), jobs))
        by_country: dict[str, dict[str, ChartFigure]] = {}
        by_district: dict[str, ChartFigure] = {}
        for (owner, name, _chart, csv_name, rows), svg in zip(jobs, svgs, strict=True):
            csv_path = self.data_dir / csv_name
            if not csv_path.exists():  # the numbers are the same in every language
                write_csv(csv_path, rows)
            figure = ChartFigure(svg, csv_name)
            if owner == "district":
                by_district[name] = figure
            else:
                by_country.setdefault(owner, {})[name] = figure
        return by_country, by_district

    def _page(self, env: Environment, template: str, path: str, **context) -> None:
        depth = path.count("/") + 1  # below <lang>/
        root = "../" * depth
        html = env.get_template(template).render(
            release=self.release, root=root, lang_root="../" * (depth - 1), page_path=path,
            languages=self.languages, generated_at=self.generated_at, countries=self.release.countries,
            fmt=self._formatter, **context,
        )
        target = self.out / env.globals["lang"] / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
        self.pages.append(f"{env.globals['lang']}/{path}")

    def write_language(self, language: str) -> None:
        env = environment(language)
        self._formatter = Formatter(language)
        country_charts, district_charts = self.render_charts(language)
        release = self.release
        self._page(env, "index.html", "index.html", cards=release.districts)
        for code, country in release.countries.items():
            self._page(env, "country.html", f"country-{code.lower()}.html", country=country,
                       maps=self.maps.get(code), charts=country_charts.get(code, {}),
                       cards=release.districts)
        for district_id, card in release.districts.items():
            self._page(env, "district.html", f"districts/{district_id}.html", card=card,
                       chart=district_charts.get(district_id), cards=release.districts)
        industries = sorted({m[f"{side}_isic4_class"] for m in release.partner_matches
                             for side in ("first", "second") if m[f"{side}_isic4_class"]})
        self._page(env, "partners.html", "partners.html", matches=release.partner_matches,
                   partner_maps=self.partner_maps, industries=industries, isic_titles=_isic_titles(),
                   cards=release.districts)

    def write(self) -> None:
        (self.out / "assets").mkdir(parents=True, exist_ok=True)
        for asset in ("report.css", "report.js"):
            shutil.copyfile(STATIC_DIR / asset, self.out / "assets" / asset)
        self.draw_maps()
        write_csv(self.data_dir / "partners.csv", [
            {k: m[k] for k in ("first_district_id", "first_district_name", "second_district_id",
                               "second_district_name", "first_isic4_class", "second_isic4_class", "score",
                               "rank_for_first", "rank_for_second", "top_components", "reason_en", "reason_it",
                               "reason_es")}
            for m in self.release.partner_matches
        ], columns=("first_district_id", "first_district_name", "second_district_id", "second_district_name",
                    "first_isic4_class", "second_isic4_class", "score", "rank_for_first", "rank_for_second",
                    "top_components", "reason_en", "reason_it", "reason_es"))
        for language in self.languages:
            self.write_language(language)
        env = environment(self.languages[0])
        (self.out / "index.html").write_text(
            env.get_template("languages.html").render(release=self.release, languages=self.languages,
                                                      language_names=LANGUAGE_NAMES),
            encoding="utf-8",
        )
        (self.out / REPORT_MARKER).write_text(json.dumps(self.summary(), indent=2) + "\n", encoding="utf-8")

    def summary(self) -> dict:
        return {
            "release_id": self.release.release_id,
            "languages": list(self.languages),
            "tables_read_from": self.release.source,
            "countries": {
                code: {
                    "ref_year": c.ref_year,
                    "districts": len(c.districts),
                    "map_areas": self.maps[code].status.areas if self.maps.get(code) and self.maps[code].status
                    else None,
                    "cluster_map": (self.maps[code].cluster.areas if self.maps.get(code) and self.maps[code].cluster
                                    else None),
                }
                for code, c in self.release.countries.items()
            },
            "districts": sorted(self.release.districts),
            "pages": self.pages,
        }


def _replace_folder(tmp: Path, out: Path) -> None:
    """Move the written report into place; an existing folder is replaced only if it is a report."""
    if out.exists():
        if any(out.iterdir()) and not (out / REPORT_MARKER).exists():
            raise ReportError(f"{display(out)} exists and is not a report folder (no {REPORT_MARKER}); choose "
                              "another --out or empty it.")
        shutil.rmtree(out)
    os.replace(tmp, out)


def write_report(paths: ProjectPaths, *, release_id: str | None = None, languages: Iterable[str] = LANGUAGES,
                 out_dir: Path | None = None, cluster_code: str | None = None) -> ReportResult:
    """Write the static report of a release (default: the latest) into ``out_dir`` (default:
    ``<warehouse>/report/<release_id>/``), replacing an earlier report there."""
    started = time.perf_counter()
    languages = tuple(dict.fromkeys(languages))
    unknown = [lang for lang in languages if lang not in LANGUAGES]
    if unknown or not languages:
        raise ReportError(f"language {', '.join(unknown) or '(none)'} is not one of {', '.join(LANGUAGES)}.")
    release_id, manifest = resolve_release(paths, release_id)
    with open_release(paths, release_id, manifest) as (con, source):
        release = load_release(con, release_id, manifest, source, cluster_code)
    if not release.districts:
        raise ReportError(f"release {release_id} has no districts (the districts table is empty): nothing to "
                          "report. Check the refresh's summary for the inputs it loaded.")
    out = (out_dir or paths.report_dir(release_id)).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".tmp-report-{out.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        writer = SiteWriter(release, tmp, languages)
        writer.write()
        _replace_folder(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    pages = writer.pages
    return ReportResult(release_id, out, languages, pages, time.perf_counter() - started)

