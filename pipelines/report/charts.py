"""The report's charts and maps as Vega-Lite specifications (Altair), rendered to SVG offline (vl-convert).

Nothing here loads a script or a font from the network: vl-convert runs Vega in-process and returns SVG, which
the pages inline. Maps carry no text (their legends are part of the page, in the page's language), so a
country's map is rendered once and shared by the three languages; bar charts carry translated labels and
numbers formatted for the locale, and are rendered per language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import altair as alt
import vl_convert as vlc

# vl-convert's number-format locales for the report's languages.
FORMAT_LOCALES = {"en": "en-US", "it": "it-IT", "es": "es-ES"}
# Colours: main industries of districts take these in turn (their order: districts' employment); the statuses
# of other areas are greys or pale tones that no industry takes.
INDUSTRY_COLOURS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
                    "#9c755f")
OTHER_INDUSTRIES_COLOUR = "#6b6b6b"
STATUS_COLOURS = {"other_method": "#c9d7e8", "not_district": "#e4e4e4", "no_data": "#ffffff"}
STRENGTH_COLOURS = {"strong": "#c0392b", "not_strong": "#f2c9b8", "no_employment": "#f4f4f4"}
PARTNER_COLOUR = "#4e79a7"
# Text is measured by vl-convert with Liberation Sans (bundled with it; the fastest to measure) and drawn by the
# browser with the first of these fonts it has: Liberation Sans (Debian's fonts-liberation), Arial or Helvetica
# share its widths, so labels fit where they were laid out.
CHART_CONFIG = {"font": "Liberation Sans, Arial, Helvetica, sans-serif"}
BASE_COLOUR = "#e4e4e4"
OUTLINE_COLOUR = "#1a1a1a"
# The layer names the SVG keeps as classes (<name>_marks): the browser test counts the areas' shapes.
AREAS_LAYER = "areas"
DISTRICTS_LAYER = "districts"
BORDERS_LAYER = "borders"

_NUMBER = re.compile(r"-?\d+\.\d+")
_PATH_DATA = re.compile(r' d="([^"]*)"')


def _round_path(match: re.Match) -> str:
    rounded = _NUMBER.sub(lambda n: f"{float(n.group()):.1f}".removesuffix(".0"), match.group(1))
    return f' d="{rounded}"'


def to_svg(chart: alt.TopLevelMixin, language: str = "en", datasets: dict[str, list] | None = None) -> str:
    """The chart as an SVG document, drawn by Vega in-process; path coordinates are kept to a tenth of a pixel.

    ``datasets`` are the values of the chart's named data (the maps' features), added to the specification as
    they are: Altair would otherwise convert thousands of polygons value by value."""
    spec = chart.to_dict()
    if datasets:
        spec.setdefault("datasets", {}).update(datasets)
    svg = vlc.vegalite_to_svg(spec, config=CHART_CONFIG, format_locale=FORMAT_LOCALES[language], allowed_base_urls=[])
    return _PATH_DATA.sub(_round_path, svg)


def _features(features: Iterable[dict], **properties: dict[str, str]) -> list[dict]:
    """Features with extra properties (property name -> area code -> value)."""
    out = []
    for feature in features:
        code = feature["properties"]["area_code"]
        extra = {name: values.get(code) for name, values in properties.items()}
        out.append({**feature, "properties": {**feature["properties"], **extra}})
    return out


@dataclass
class MapSpec:
    """A map: its Vega-Lite chart and the features of its named datasets (see ``to_svg``)."""

    chart: alt.LayerChart
    datasets: dict[str, list[dict]]

    def svg(self) -> str:
        return to_svg(self.chart, datasets=self.datasets)


def _borders_layer(borders: list[dict], datasets: dict[str, list[dict]]) -> list[alt.Chart]:
    if not borders:
        return []
    datasets[BORDERS_LAYER] = borders
    return [alt.Chart(alt.NamedData(BORDERS_LAYER), name=BORDERS_LAYER).mark_geoshape(
        filled=False, stroke="#6f6f6f", strokeWidth=0.5)]


def area_map(features: list[dict], fill_key: dict[str, str], colours: dict[str, str],
             outlined: dict[str, str], *, width: int, height: int, projection: str,
             borders: list[dict] | None = None) -> MapSpec:
    """Every area filled by its key (a main industry or a status), larger units' borders (if any) and the
    districts' areas outlined on top.

    ``fill_key``: area code -> key of ``colours``; ``outlined``: area code -> district id (the outline's label).
    """
    datasets = {AREAS_LAYER: _features(features, fill_key=fill_key)}
    base = alt.Chart(alt.NamedData(AREAS_LAYER), name=AREAS_LAYER).mark_geoshape(
        stroke="#9a9a9a", strokeWidth=0.25
    ).encode(
        color=alt.Color("properties.fill_key:N", scale=alt.Scale(domain=list(colours), range=list(colours.values())),
                        legend=None),
        description=alt.Description("properties.area_code:N"),
    )
    layers = [base, *_borders_layer(borders or [], datasets)]
    districts = [f for f in _features(features, district_id=outlined) if f["properties"]["district_id"]]
    if districts:
        datasets[DISTRICTS_LAYER] = districts
        layers.append(
            alt.Chart(alt.NamedData(DISTRICTS_LAYER), name=DISTRICTS_LAYER).mark_geoshape(
                filled=False, stroke=OUTLINE_COLOUR, strokeWidth=1.1
            ).encode(description=alt.Description("properties.district_id:N"))
        )
    return MapSpec(alt.layer(*layers).project(projection).properties(width=width, height=height), datasets)


def partner_map(features: list[dict], districts: dict[str, str], *, width: int, height: int,
                projection: str, borders: list[dict] | None = None) -> MapSpec:
    """The country's areas in grey, the partner districts' areas on top, each labelled with its district id (the
    page's script highlights them by that label)."""
    datasets = {AREAS_LAYER: features}
    base = alt.Chart(alt.NamedData(AREAS_LAYER), name=AREAS_LAYER).mark_geoshape(
        fill=BASE_COLOUR, stroke="#b5b5b5", strokeWidth=0.25
    ).encode(description=alt.Description("properties.area_code:N"))
    layers = [base, *_borders_layer(borders or [], datasets)]
    marked = [f for f in _features(features, district_id=districts) if f["properties"]["district_id"]]
    if marked:
        datasets[DISTRICTS_LAYER] = marked
        layers.append(
            alt.Chart(alt.NamedData(DISTRICTS_LAYER), name=DISTRICTS_LAYER).mark_geoshape(
                fill=PARTNER_COLOUR, stroke=OUTLINE_COLOUR, strokeWidth=0.8
            ).encode(description=alt.Description("properties.district_id:N"))
        )
    return MapSpec(alt.layer(*layers).project(projection).properties(width=width, height=height), datasets)


def bar_chart(rows: list[dict], *, category: str, value: str, category_title: str, value_title: str,
              value_format: str = ",d", colour: str = "#4e79a7", width: int = 420) -> alt.Chart:
    """Horizontal bars, one per row, in the rows' order, each labelled with its value."""
    height = max(60, 24 * len(rows))
    base = alt.Chart(alt.Data(values=rows)).encode(
        y=alt.Y(f"{category}:N", sort=None, title=None, axis=alt.Axis(labelLimit=280, description=category_title)),
        x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=value_format)),
    )
    bars = base.mark_bar(color=colour)
    labels = base.mark_text(align="left", dx=3, fontSize=11).encode(text=alt.Text(f"{value}:Q", format=value_format))
    return alt.layer(bars, labels).properties(width=width, height=height)


def paired_bar_chart(rows: list[dict], *, category: str, series: str, value: str, category_title: str,
                     value_title: str, series_order: list[str], value_format: str = ".0%",
                     width: int = 420) -> alt.Chart:
    """Horizontal bars in pairs (e.g. the country's share beside the reference share), legend at the bottom."""
    categories = list(dict.fromkeys(r[category] for r in rows))
    return alt.Chart(alt.Data(values=rows)).mark_bar().encode(
        y=alt.Y(f"{category}:N", sort=categories, title=None, axis=alt.Axis(labelLimit=280,
                                                                            description=category_title)),
        yOffset=alt.YOffset(f"{series}:N", sort=series_order),
        x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=value_format)),
        color=alt.Color(f"{series}:N", sort=series_order, scale=alt.Scale(range=["#4e79a7", "#bab0ac"]),
                        legend=alt.Legend(title=None, orient="bottom")),
    ).properties(width=width, height=max(80, 40 * len(categories)))


def levels_chart(rows: list[dict], *, dimension_title: str, level_title: str) -> alt.Chart:
    """A district's seven typology dimensions, each with its level 1-4 (dimensions without data have no bar)."""
    dimensions = [r["dimension"] for r in rows]
    base = alt.Chart(alt.Data(values=rows)).encode(
        y=alt.Y("dimension:N", sort=dimensions, title=None, axis=alt.Axis(labelLimit=280,
                                                                          description=dimension_title)),
        x=alt.X("level:Q", title=level_title, scale=alt.Scale(domain=[0, 4]), axis=alt.Axis(values=[1, 2, 3, 4],
                                                                                          format="d")),
    )
    return alt.layer(
        base.mark_bar(color="#59a14f"),
        base.mark_text(align="left", dx=3, fontSize=11).encode(text=alt.Text("level_text:N")),
    ).properties(width=320, height=24 * len(rows))
