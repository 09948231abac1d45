"""Boundaries for the report's maps, read from the bundled reference files (``raw/reference/``).

Each country's map is drawn on one geometry, whose areas are the labour-market areas or municipalities /
counties of that country's bundled boundary file:

* Italy: ISTAT's local labour systems (SLL 2021), the area unit of the Italian districts;
* Mexico: INEGI's municipalities (2020 census geography); districts sit on labour-market areas made of
  municipalities, so each municipality takes the status of its area;
* United States: counties (the district unit of County Business Patterns), for the states the release covers.

The geometry is turned into plain GeoJSON features with the area code in ``properties.area_code`` (TopoJSON
arcs are decoded here), so that the charts can attach statuses to areas without any lookup inside Vega.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pipelines.paths import REFERENCE_DIR, REPO_ROOT

# Coordinates are kept to this many decimals of a degree (~10 m): enough for a national map.
COORDINATE_DECIMALS = 4


@dataclass(frozen=True)
class MapSource:
    """One bundled boundary file: its areas' level (as districts.area_level names it) and where the code is."""

    country: str
    area_level: str  # "lma" (labour-market areas) or "area" (municipalities, counties)
    file: Path
    code_property: str
    topojson_object: str | None = None  # the TopoJSON object holding the areas; None for GeoJSON
    projection: str = "mercator"
    # Larger units drawn as borders over the areas (Mexico: the states), from a TopoJSON file and object.
    borders: tuple[Path, str] | None = None

    @property
    def source_note(self) -> Path:
        return self.file.parent / "SOURCE.txt"


MAP_SOURCES: dict[str, MapSource] = {
    "IT": MapSource("IT", "lma", REFERENCE_DIR / "geo_it_sll2021" / "sll2021_slim.geojson", "COD_SLL"),
    "MX": MapSource("MX", "area", REFERENCE_DIR / "geo_mx" / "mxmunicipio.topo.json", "id", "municipios",
                    borders=(REFERENCE_DIR / "geo_mx" / "mxstate.topo.json", "state")),
    "US": MapSource("US", "area", REFERENCE_DIR / "us_geo" / "us_counties_eas_msas.topo.json", "fips", "counties",
                    "albersUsa"),
}


def _decode_arcs(topology: dict) -> list[list[list[float]]]:
    """Absolute coordinates of every arc of a (possibly quantised) TopoJSON topology."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        if transform:
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            x = y = 0
            points = []
            for dx, dy in arc:
                x, y = x + dx, y + dy
                points.append([round(x * sx + tx, COORDINATE_DECIMALS), round(y * sy + ty, COORDINATE_DECIMALS)])
        else:
            points = [[round(p[0], COORDINATE_DECIMALS), round(p[1], COORDINATE_DECIMALS)] for p in arc]
        arcs.append(points)
    return arcs


def _ring(indices: list[int], arcs: list[list[list[float]]]) -> list[list[float]]:
    ring: list[list[float]] = []
    for index in indices:
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        ring.extend(points if not ring else points[1:])  # consecutive arcs share their end point
    return ring


def topojson_features(topology: dict, object_name: str) -> list[dict]:
    """The GeoJSON features of one object of a TopoJSON topology (Polygon and MultiPolygon geometries)."""
    arcs = _decode_arcs(topology)
    features = []
    for geometry in topology["objects"][object_name]["geometries"]:
        kind = geometry["type"]
        if kind == "Polygon":
            coordinates = [_ring(r, arcs) for r in geometry["arcs"]]
        elif kind == "MultiPolygon":
            coordinates = [[_ring(r, arcs) for r in polygon] for polygon in geometry["arcs"]]
        else:
            continue
        properties = dict(geometry.get("properties") or {})
        if "id" in geometry:
            properties.setdefault("id", geometry["id"])
        features.append({"type": "Feature", "properties": properties, "geometry": {"type": kind,
                                                                                  "coordinates": coordinates}})
    return features


def _rounded(coordinates):
    if coordinates and isinstance(coordinates[0], float | int):
        return [round(c, COORDINATE_DECIMALS) for c in coordinates]
    return [_rounded(c) for c in coordinates]


@cache
def _features(country: str) -> tuple[dict, ...]:
    source = MAP_SOURCES[country]
    document = json.loads(source.file.read_text(encoding="utf-8"))
    if source.topojson_object:
        raw = topojson_features(document, source.topojson_object)
    else:
        raw = [{"type": "Feature", "properties": f["properties"],
                "geometry": {"type": f["geometry"]["type"], "coordinates": _rounded(f["geometry"]["coordinates"])}}
               for f in document["features"]]
    features = []
    for feature in raw:
        code = str(feature["properties"][source.code_property])
        features.append({"type": "Feature", "properties": {"area_code": code}, "geometry": feature["geometry"]})
    return tuple(sorted(features, key=lambda f: f["properties"]["area_code"]))


def map_areas(country: str, codes_in_release: set[str] | None = None) -> list[dict]:
    """The features a country's map draws, each a fresh dict (callers add properties).

    The United States map covers the states of the release's counties (County Business Patterns is loaded
    state by state); the other maps cover the whole country."""
    features = _features(country)
    if country == "US" and codes_in_release:
        states = {code[:2] for code in codes_in_release}
        features = tuple(f for f in features if f["properties"]["area_code"][:2] in states)
    return [{"type": "Feature", "properties": dict(f["properties"]), "geometry": f["geometry"]} for f in features]


@cache
def _borders(country: str) -> tuple[dict, ...]:
    borders = MAP_SOURCES[country].borders
    if borders is None:
        return ()
    file, object_name = borders
    return tuple(topojson_features(json.loads(file.read_text(encoding="utf-8")), object_name))


def map_borders(country: str) -> list[dict]:
    """The features of the larger units drawn as borders over a country's areas (none for most countries)."""
    return list(_borders(country))


class CompositionUnavailable(ValueError):
    """The area -> labour-market-area file a release was built from cannot be read as it was."""


def area_composition(manifest: dict, country: str) -> dict[str, str]:
    """Area code -> labour-market-area code for a country whose districts sit on labour-market areas made of
    the map's areas (Mexico): the mapping the release was built from, read from the input file its manifest
    names (reference.area_lma) after checking that the file still has the hash the manifest records."""
    from pipelines.catalogue import load_catalogue

    entries = {e.name: e for e in load_catalogue() if e.contract.name == "area_lma" and e.country == country}
    inputs = [i for i in manifest.get("inputs", []) if i["catalogue_entry"] in entries]
    if not inputs:
        raise CompositionUnavailable(f"the release's manifest names no area -> labour-market-area file for {country}")
    mapping: dict[str, str] = {}
    for recorded in inputs:
        entry = entries[recorded["catalogue_entry"]]
        path = Path(recorded["file"])
        path = path if path.is_absolute() else REPO_ROOT / path
        if not path.exists():
            raise CompositionUnavailable(f"{recorded['file']} (named in the release's manifest) no longer exists")
        content = path.read_bytes()
        if hashlib.sha256(content).hexdigest() != recorded["sha256"]:
            raise CompositionUnavailable(f"{recorded['file']} has changed since the release was built")
        text = content.decode(entry.encoding if isinstance(entry.encoding, str) and entry.encoding != "auto"
                              else "utf-8")
        area_column, lma_column = entry.columns["area_code"], entry.columns["lma_code"]
        for row in csv.DictReader(io.StringIO(text), delimiter=entry.delimiter):
            mapping[row[area_column]] = row[lma_column]
    return mapping
