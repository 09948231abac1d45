"""The release's published tables, read into plain structures for the report.

A release is read where analysts read it: the serving file (``published/indicators.duckdb``, opened read-only)
when it serves that release, otherwise the release's own immutable Parquet
files (``releases/<release_id>/``), which hold the same tables. Nothing here writes anything.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import duckdb

from pipelines.paths import ProjectPaths, display

# The tables the report reads, all of them published marts.
REPORT_TABLES = (
    "districts",
    "district_identification",
    "district_indicators",
    "district_size_facts",
    "size_facts",
    "district_typology",
    "district_lifecycle",
    "district_tiers",
    "district_gaps",
    "partner_matches",
    "cluster_strength",
)
TYPOLOGY_ORDER = ("PRIMORDIAL", "EVOLUTIVO", "CONSOLIDADO", "REPOSICIONADO")
LIFECYCLE_ORDER = ("AGLOMERACION", "EN_DESARROLLO", "EMERGENTE", "MADURO", "TRANSFORMACION", "indeterminate")
SIZE_FACT_ORDER = ("many_firms", "very_many_firms", "few_employees", "many_employees", "critical_mass")
STRONGEST = 10  # districts listed as the strongest of a country
PARTNERS_PER_DISTRICT = 5


class ReportError(ValueError):
    """A release that cannot be reported on (none yet, unknown id, a table missing); the message says why."""


@dataclass
class CountryData:
    country: str
    ref_year: int | None
    years: list[int]
    area_level: str | None
    districts: list[dict]  # the year's districts, strongest (prevalence index) first
    identification: dict[str, dict[str, bool | None]]  # region code -> method -> verdict
    size_facts: list[dict]
    typology_counts: dict[str, int]
    lifecycle_counts: dict[str, int]
    cluster: dict | None = None  # United States: the strong-cluster map's cluster and its counties

    @property
    def strongest(self) -> list[dict]:
        return self.districts[:STRONGEST]


@dataclass
class DistrictData:
    district: dict  # the district's row of its latest year
    history: list[dict]  # its rows of every year, oldest first
    identification: list[dict]
    indicators: list[dict]
    size_facts: list[dict]
    typology: dict | None
    lifecycle: dict | None
    tiers: dict | None
    gaps: list[dict]
    partners: list[dict] = field(default_factory=list)
    partner_bloc: str | None = None  # "first" or "second" when the district's country takes part in matching

    @property
    def district_id(self) -> str:
        return self.district["district_id"]


@dataclass
class ReleaseData:
    release_id: str
    manifest: dict
    source: str  # where the tables were read (for the page footer)
    countries: dict[str, CountryData]
    districts: dict[str, DistrictData]
    partner_matches: list[dict]


def resolve_release(paths: ProjectPaths, release_id: str | None) -> tuple[str, dict]:
    """The release id (default: the latest release) and its manifest."""
    from pipelines.releases import ReleaseError, manifest_of

    if release_id is None:
        pointer = paths.latest_release_file
        if not pointer.exists():
            raise ReportError(f"no release in {display(paths.releases_dir)} yet; run `crosscluster refresh` first.")
        release_id = json.loads(pointer.read_text(encoding="utf-8"))["release_id"]
    try:
        return release_id, manifest_of(paths, release_id)
    except ReleaseError as exc:
        raise ReportError(str(exc)) from None


@contextlib.contextmanager
def open_release(paths: ProjectPaths, release_id: str, manifest: dict) -> Iterator[tuple[duckdb.DuckDBPyConnection,
                                                                                          str]]:
    """A read-only connection on the release's tables, and a description of where they are read."""
    from pipelines.publish import served_release_id

    con = None
    if served_release_id(paths) == release_id:
        try:
            con = duckdb.connect(str(paths.published_db), read_only=True)
            source = display(paths.published_db)
        except duckdb.ConnectionException:
            con = None  # this process holds the file open with other settings: the release's files are the same
    if con is None:
        release_dir = paths.releases_dir / release_id
        con = duckdb.connect(":memory:")
        for table, meta in manifest["tables"].items():
            file = release_dir / meta["file"]
            if file.exists():
                con.execute(f"create view \"{table}\" as select * from read_parquet('{file}')")
        source = display(release_dir)
    try:
        yield con, source
    finally:
        con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def _check_tables(con: duckdb.DuckDBPyConnection, release_id: str, source: str) -> None:
    present = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    missing = [t for t in REPORT_TABLES if t not in present]
    if missing:
        raise ReportError(
            f"release {release_id} ({source}) has no table {', '.join(missing)}; the report needs "
            f"{', '.join(REPORT_TABLES)}. Publish a release with the current code (`crosscluster refresh --full`)."
        )


def _group(rows: list[dict], *keys: str) -> dict[tuple, list[dict]]:
    grouped: dict[tuple, list[dict]] = {}
    for row in rows:
        grouped.setdefault(tuple(row[k] for k in keys), []).append(row)
    return grouped


def _strongest_cluster(con: duckdb.DuckDBPyConnection, country: str, ref_year: int,
                       cluster_code: str | None) -> dict | None:
    """The strong-cluster map's cluster: the one asked for, else the traded cluster with the most strong counties
    (ties by cluster number), with every county's row for it."""
    if cluster_code is None:
        found = con.execute(
            """
            select cluster_code from cluster_strength
            where country = ? and ref_year = ? and region_type = 'county' and is_traded
            group by cluster_code order by count(*) filter (where is_strong) desc, try_cast(cluster_code as int)
            limit 1
            """,
            [country, ref_year],
        ).fetchone()
        if found is None:
            return None
        cluster_code, chosen = found[0], "default"
    else:
        chosen = "asked"
    counties = _rows(
        con,
        """
        select region_code, region_name, cluster_code, cluster_name, is_traded, employees, establishments, lq,
               lq_strong_threshold, is_strong
        from cluster_strength
        where country = ? and ref_year = ? and region_type = 'county' and cluster_code = ?
        order by region_code
        """,
        [country, ref_year, cluster_code],
    )
    if not counties:
        raise ReportError(f"cluster {cluster_code} has no county in cluster_strength for {country} {ref_year}.")
    return {
        "cluster_code": cluster_code,
        "cluster_name": counties[0]["cluster_name"],
        "is_traded": counties[0]["is_traded"],
        "chosen": chosen,
        "strong_regions": sum(1 for c in counties if c["is_strong"]),
        "counties": counties,
    }


def load_release(con: duckdb.DuckDBPyConnection, release_id: str, manifest: dict, source: str,
                 cluster_code: str | None = None) -> ReleaseData:
    """Everything the report shows, from the release's tables."""
    _check_tables(con, release_id, source)
    districts = _rows(con, "select * from districts order by country, ref_year, prevalence_index desc, district_id")
    identification = _rows(con, "select * from district_identification order by country, ref_year, region_code, "
                                "identification_method")
    indicators = _group(_rows(con, "select * from district_indicators"), "district_id", "ref_year")
    size_facts = _group(_rows(con, "select * from district_size_facts"), "district_id", "ref_year")
    typology = {(r["district_id"], r["ref_year"]): r for r in _rows(con, "select * from district_typology")}
    lifecycle = {(r["district_id"], r["ref_year"]): r for r in _rows(con, "select * from district_lifecycle")}
    tiers = {(r["district_id"], r["ref_year"]): r for r in _rows(con, "select * from district_tiers")}
    gaps = _group(_rows(con, "select * from district_gaps order by item_order"), "district_id", "ref_year")
    matches = _rows(con, "select * from partner_matches order by score desc, first_district_id, second_district_id")
    country_facts = _group(_rows(con, "select * from size_facts"), "country", "ref_year")

    countries: dict[str, CountryData] = {}
    names = sorted({r["country"] for r in districts} | {r["country"] for r in identification})
    for country in names:
        years = sorted({r["ref_year"] for r in identification if r["country"] == country}
                       | {r["ref_year"] for r in districts if r["country"] == country})
        year = years[-1] if years else None
        year_districts = [r for r in districts if r["country"] == country and r["ref_year"] == year]
        verdicts: dict[str, dict[str, bool | None]] = {}
        for r in identification:
            if r["country"] == country and r["ref_year"] == year:
                verdicts.setdefault(r["region_code"], {})[r["identification_method"]] = r["is_district"]
        facts = sorted(country_facts.get((country, year), []),
                       key=lambda f: SIZE_FACT_ORDER.index(f["fact"]) if f["fact"] in SIZE_FACT_ORDER else 99)
        keys = [(d["district_id"], year) for d in year_districts]
        typology_counts = {c: 0 for c in TYPOLOGY_ORDER}
        lifecycle_counts = {s: 0 for s in LIFECYCLE_ORDER}
        for key in keys:
            if key in typology:
                c = typology[key]["typology_class"]
                typology_counts[c] = typology_counts.get(c, 0) + 1
            if key in lifecycle:
                s = lifecycle[key]["lifecycle_stage"]
                lifecycle_counts[s] = lifecycle_counts.get(s, 0) + 1
        levels = {d["area_level"] for d in year_districts}
        cluster = None
        if country == "US" and year is not None:
            cluster = _strongest_cluster(con, country, year, cluster_code)
        countries[country] = CountryData(
            country=country, ref_year=year, years=years, area_level=levels.pop() if len(levels) == 1 else None,
            districts=year_districts, identification=verdicts, size_facts=facts,
            typology_counts=typology_counts, lifecycle_counts=lifecycle_counts, cluster=cluster,
        )

    cards: dict[str, DistrictData] = {}
    by_id = _group(districts, "district_id")
    identification_by_region = _group(identification, "country", "ref_year", "region_code")
    first_bloc = {m["first_country"] for m in matches}
    second_bloc = {m["second_country"] for m in matches}
    for (district_id,), rows in by_id.items():
        history = sorted(rows, key=lambda r: r["ref_year"])
        latest = history[-1]
        key = (district_id, latest["ref_year"])
        card = DistrictData(
            district=latest,
            history=history,
            identification=identification_by_region.get((latest["country"], latest["ref_year"],
                                                          latest["area_code"]), []),
            indicators=indicators.get(key, []),
            size_facts=sorted(size_facts.get(key, []), key=lambda f: SIZE_FACT_ORDER.index(f["fact"])
                              if f["fact"] in SIZE_FACT_ORDER else 99),
            typology=typology.get(key),
            lifecycle=lifecycle.get(key),
            tiers=tiers.get(key),
            gaps=gaps.get(key, []),
        )
        if latest["country"] in first_bloc:
            card.partner_bloc = "first"
            card.partners = _partners(matches, district_id, "first", "second")
        elif latest["country"] in second_bloc:
            card.partner_bloc = "second"
            card.partners = _partners(matches, district_id, "second", "first")
        cards[district_id] = card
    return ReleaseData(release_id, manifest, source, countries, cards, matches)


def _partners(matches: list[dict], district_id: str, side: str, other: str) -> list[dict]:
    """The district's best partners on the other side, best first, as (partner, score, reasons, rank)."""
    mine = [m for m in matches if m[f"{side}_district_id"] == district_id]
    mine.sort(key=lambda m: m[f"rank_for_{side}"])
    return [
        {
            "rank": m[f"rank_for_{side}"],
            "district_id": m[f"{other}_district_id"],
            "district_name": m[f"{other}_district_name"],
            "country": m[f"{other}_country"],
            "typology_class": m[f"{other}_typology_class"],
            "score": m["score"],
            "top_components": m["top_components"],
            "reason_en": m["reason_en"],
            "reason_it": m["reason_it"],
            "reason_es": m["reason_es"],
            # The status the pair inherits from the two districts' typology, where the release publishes one.
            "conf_status": m.get("conf_status"),
        }
        for m in mine[:PARTNERS_PER_DISTRICT]
    ]
