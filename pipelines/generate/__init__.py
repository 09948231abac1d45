"""Synthetic national registers in the native formats, for development and scale.

Real local-unit microdata (ISTAT ASIA, full DENUE extracts), Mexican labour-market areas,
exports by area and bank branches by municipality are confidential or not bundled. This module
writes look-alike files on the *real* geography and classifications (ISTAT municipalities, ISTAT's
local labour systems 2021 and ATECO 2007; INEGI municipalities with their 2020 population and
SCIAN), so that every adapter and model runs on inputs of the real shape and at national scale.
Everything it writes is synthetic and the catalogue entries that read it say so
(``is_synthetic: true``), except the Mexican population, which is INEGI's real 2020 count
copied into the population format. Italy's municipality -> SLL map is reference data
(``raw/reference/istat_sll/``), not written here; Mexico's labour-market areas are synthetic and
written with the register.

The economy is calibrated, not noise:

* unit sizes are skewed (about 95 % micro units) with the published mean size
  (Italy 2011: 16.4 million employees in 4.4 million local units, 3.7 per unit);
* units follow population (municipalities draw units in proportion to population);
* specialised districts are planted in labour-market areas, with firm and employee counts
  drawn so that about half have more than 200 firms and 30 % more than 600, half fewer than
  5,000 employees and 30 % more than 20,000 (the deck's size facts); in Italy each in a real SLL
  whose ISTAT specialisation group matches its industry (see ``_place_districts``);
* the typology's inputs come with them: an input-output table by division (subsector), patents,
  trademarks and designs and the skilled workforce by municipality x class, and the district
  institutions, all shaped by a capability profile 1-4 planted in each district (see the
  "typology inputs" section below);
* by the same profile, a district holds 35-70 % of its industry's national employment (the rest
  are scattered units elsewhere), has its division of labour in its labour-market area (local
  suppliers per the input-output table; from profile 3 also machinery makers and knowledge-
  intensive business services) and exports more (see "division of labour and national share").

Same arguments, same bytes: every draw comes from seeded generators (the register's, and
separate ones for the typology inputs) and files are written in a fixed order and format.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.bundle_reference import read_sll_composition
from pipelines.paths import DBT_PROJECT_DIR, REFERENCE_DIR

# Size classes of local units: (lower, upper) employees, and the power-law exponent inside.
SIZE_CLASSES = ((1, 9), (10, 49), (50, 249), (250, 3000))
# Share of units by size class. About 95 % of Italian and Mexican local units are micro
# units; the remaining split is our calibration [O] to the published mean size.
BACKGROUND_CLASS_SHARES = (0.962, 0.033, 0.0045, 0.0005)
MANUFACTURING_CLASS_SHARES = (0.86, 0.12, 0.018, 0.002)
CLASS_EXPONENTS = (2.4, 2.0, 2.0, 2.0)
DISTRICT_CLASS_SHARES = (0.62, 0.30, 0.07, 0.01)

# Deck size facts: medians and spread of planted districts (firms, employees).
DISTRICT_FIRMS_MEDIAN, DISTRICT_FIRMS_SIGMA = 200.0, 2.1  # P(>600) = 0.3
DISTRICT_EMPLOYEES_MEDIAN, DISTRICT_EMPLOYEES_SIGMA = 5000.0, 2.65  # P(>20,000) = 0.3
DISTRICT_FIRMS_RANGE = (25, 5000)
DISTRICT_EMPLOYEES_RANGE = (300, 60_000)  # main-industry employment of the largest districts
UNITS_PER_DISTRICT = 30_000  # one planted district per this many units (at least MIN_DISTRICTS)
MIN_DISTRICTS, MAX_DISTRICTS = 6, 150


@dataclass
class GenerationReport:
    country: str
    years: list[int]
    units: dict[int, int]
    employees: dict[int, int]
    districts: list[dict]
    files: list[dict] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, default=str)


# ---------------------------------------------------------------- shared helpers


def _sizes(rng: np.random.Generator, n: int, class_shares) -> np.ndarray:
    """Employees per unit: a size class, then a power law inside the class."""
    classes = rng.choice(len(SIZE_CLASSES), size=n, p=np.asarray(class_shares) / sum(class_shares))
    out = np.empty(n, dtype=np.int64)
    for c, ((lo, hi), exponent) in enumerate(zip(SIZE_CLASSES, CLASS_EXPONENTS, strict=True)):
        idx = np.flatnonzero(classes == c)
        if idx.size == 0:
            continue
        k = np.arange(lo, hi + 1)
        w = k.astype(float) ** (-exponent)
        out[idx] = rng.choice(k, size=idx.size, p=w / w.sum())
    return out


def _district_sizes(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(firms, employees) of planted districts, correlated, following the deck's facts."""
    z = rng.standard_normal(n)
    z2 = 0.9 * z + np.sqrt(1 - 0.9**2) * rng.standard_normal(n)
    firms = np.clip(np.round(DISTRICT_FIRMS_MEDIAN * np.exp(DISTRICT_FIRMS_SIGMA * z)), *DISTRICT_FIRMS_RANGE)
    employees = np.clip(DISTRICT_EMPLOYEES_MEDIAN * np.exp(DISTRICT_EMPLOYEES_SIGMA * z2), *DISTRICT_EMPLOYEES_RANGE)
    mean_size = np.clip(employees / firms, 4, 120)
    return firms.astype(np.int64), np.round(firms * mean_size).astype(np.int64)


def _district_unit_sizes(rng: np.random.Generator, firms: int, employees: int) -> np.ndarray:
    """Unit sizes of one district that add up to about its employee total."""
    sizes = _sizes(rng, firms, DISTRICT_CLASS_SHARES).astype(float)
    scaled = np.maximum(1, np.round(sizes * employees / sizes.sum()))
    return scaled.astype(np.int64)


def _weighted_pick(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    return rng.choice(weights.size, size=n, p=weights / weights.sum())


def _sector_weights(rng: np.random.Generator, codes: list[str], sector_of, sector_shares: dict[str, float]):
    """A weight per industry code: the sector's share split unevenly among its codes."""
    sectors = [sector_of(c) for c in codes]
    weights = np.zeros(len(codes))
    for sector, share in sector_shares.items():
        idx = [i for i, s in enumerate(sectors) if s == sector]
        if idx:
            weights[idx] = share * rng.dirichlet(np.full(len(idx), 0.7))
    return weights


def _lma_groups(area_codes: list[str], group_of, areas_per_lma: float, prefix: str) -> dict[str, str]:
    """Municipality -> synthetic labour-market area (Mexico): consecutive codes within a state."""
    by_group: dict[str, list[str]] = {}
    for code in area_codes:
        by_group.setdefault(group_of(code), []).append(code)
    mapping: dict[str, str] = {}
    counter = 0
    for group in sorted(by_group):
        members = sorted(by_group[group])
        k = max(1, round(len(members) / areas_per_lma))
        for chunk in np.array_split(np.array(members), k):
            counter += 1
            for code in chunk:
                mapping[str(code)] = f"{prefix}{counter:04d}"
    return mapping


def _write(frame: pl.DataFrame, path: Path, separator: str, report: GenerationReport, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if encoding.lower().replace("-", "") in ("utf8",):
        frame.write_csv(path, separator=separator)
    else:
        text = frame.write_csv(separator=separator)
        path.write_bytes(text.encode(encoding))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    report.files.append({"path": str(path), "rows": frame.height, "sha256": digest})


# ---------------------------------------------------------------- Italy

IT_SECTIONS = {  # share of local units by ATECO section (approximate structure of Italian units)
    "C": 0.10,
    "F": 0.12,
    "G": 0.26,
    "I": 0.07,
    "M": 0.16,
    "H": 0.03,
    "J": 0.02,
    "K": 0.02,
    "L": 0.05,
    "N": 0.03,
    "Q": 0.06,
    "S": 0.05,
    "P": 0.006,
    "R": 0.015,
    "D": 0.002,
    "E": 0.002,
    "B": 0.001,
}
IT_DISTRICT_CLASSES = [  # "Made in Italy" ATECO 2007 classes for planted districts
    "13.20",
    "14.13",
    "15.20",
    "31.09",
    "23.31",
    "28.41",
    "25.62",
    "10.51",
    "32.12",
    "22.29",
    "14.39",
    "15.12",
    "28.94",
    "27.51",
    "13.10",
    "10.73",
]
IT_POPULATION = 59_400_000  # resident population, 2011 census order of magnitude


def _ateco_section(division: str) -> str:
    d = int(division[:2])
    bounds = [
        (3, "A"),
        (9, "B"),
        (33, "C"),
        (35, "D"),
        (39, "E"),
        (43, "F"),
        (47, "G"),
        (53, "H"),
        (56, "I"),
        (63, "J"),
        (66, "K"),
        (68, "L"),
        (75, "M"),
        (82, "N"),
        (84, "O"),
        (85, "P"),
        (88, "Q"),
        (93, "R"),
        (96, "S"),
        (98, "T"),
        (99, "U"),
    ]
    return next(s for hi, s in bounds if d <= hi)


def _italian_geography() -> pl.DataFrame:
    path = REFERENCE_DIR / "istat_comuni" / "Elenco-comuni-italiani.csv"
    frame = pl.read_csv(path, separator=";", encoding="utf8-lossy", infer_schema=False)
    cols = frame.columns
    return frame.select(
        pl.col("Codice Comune formato alfanumerico").alias("area_code"),
        pl.col(cols[2]).alias("province_code"),
        (pl.col(cols[13]) == "1").alias("is_capital"),
    ).sort("area_code")


IT_SLL_DIR = REFERENCE_DIR / "istat_sll"
# Where a planted district goes when the SLLs of the ISTAT groups matching its industry are used up:
# SLLs of those groups, then other SLLs of their ISTAT class (A "Made in Italy", B other
# manufacturing), then any manufacturing SLL (class A or B), then any SLL.
MANUFACTURING_SLL_CLASSES = ("A", "B")


def italian_sll_map(area_codes: list[str]) -> pl.DataFrame:
    """Municipality of the bundled list -> ISTAT SLL 2021: code (COD_SLL), name, specialisation class
    and group. The SLL file uses today's municipality codes: a list code it does not know reaches its
    SLL through the code bridge. Raises ``ValueError`` naming the municipalities that reach none."""
    composition = read_sll_composition(IT_SLL_DIR / "sll2021_comuni.csv").select(
        pl.col("PRO_COM_T").alias("sll_area_code"),
        pl.col("COD_SLL").alias("lma_code"),
        pl.col("DEN_SLL").alias("lma_name"),
    )
    bridge = pl.read_csv(IT_SLL_DIR / "comuni_code_bridge.csv", infer_schema=False).select("area_code", "new_area_code")
    specialisation = pl.read_csv(IT_SLL_DIR / "sll2021_specializzazione.csv", infer_schema=False).select(
        pl.col("SLL_2021_T").alias("lma_code"),
        pl.col("Cod_classe").alias("istat_class"),
        pl.col("Cod_gruppo").alias("istat_group"),
    )
    frame = (
        pl.DataFrame({"area_code": list(area_codes)}, schema={"area_code": pl.String})
        .join(bridge, on="area_code", how="left", maintain_order="left")
        .with_columns(pl.coalesce("new_area_code", "area_code").alias("sll_area_code"))
        .join(composition, on="sll_area_code", how="left", maintain_order="left")
        .join(specialisation, on="lma_code", how="left", maintain_order="left")
    )
    unmapped = frame.filter(pl.col("lma_code").is_null() | pl.col("istat_group").is_null())
    if unmapped.height:
        raise ValueError(
            f"{unmapped.height} municipalities reach no SLL 2021: {', '.join(unmapped.get_column('area_code')[:10])}"
        )
    return frame.select("area_code", "lma_code", "lma_name", "istat_class", "istat_group")


def sll_groups_matching(code: str, rules: list[tuple[str, str]] | None = None) -> list[str]:
    """The ISTAT specialisation groups whose ATECO 2007 prefixes begin the code, longest prefix first
    (ATECO 30.11, ships, matches B6 before B1). Rules: (prefix, group) pairs, by default the seed
    istat_sll_specialisation_codes."""
    if rules is None:
        rules = _sll_group_rules()
    matches = sorted((-len(prefix), group) for prefix, group in rules if code.startswith(prefix))
    return list(dict.fromkeys(group for _, group in matches))


def _sll_group_rules() -> list[tuple[str, str]]:
    seed = _read_seed("istat_sll_specialisation_codes.csv", "ATECO2007")
    return seed.select("code_prefix", "specialisation_group").rows()


def _place_districts(
    rng: np.random.Generator, district_codes: list[str], lma_class: list[str], lma_group: list[str]
) -> tuple[np.ndarray, list[bool]]:
    """The SLL (index into lma_class/lma_group) of each planted district, each SLL used once, and
    whether its ISTAT group matches the district's industry. District by district, a uniform draw
    among the unused SLLs of the first tier that has any: the groups matching the industry, other
    SLLs of those groups' classes, other manufacturing SLLs (MANUFACTURING_SLL_CLASSES), any SLL."""
    lma_class, lma_group = np.asarray(lma_class), np.asarray(lma_group)
    rules = _sll_group_rules()
    used = np.zeros(lma_group.size, dtype=bool)
    places, matches = [], []
    for code in district_codes:  # a few dozen districts
        groups = sll_groups_matching(code, rules)
        classes = sorted({g[0] for g in groups})
        tiers = (
            np.isin(lma_group, groups),
            np.isin(lma_class, classes),
            np.isin(lma_class, MANUFACTURING_SLL_CLASSES),
            np.ones(lma_group.size, dtype=bool),
        )
        candidates = next((c for c in (np.flatnonzero(t & ~used) for t in tiers) if c.size), None)
        if candidates is None:
            raise ValueError(f"more planted districts ({len(district_codes)}) than SLLs ({lma_group.size})")
        place = int(candidates[rng.integers(candidates.size)])
        used[place] = True
        places.append(place)
        matches.append(bool(lma_group[place] in groups))
    return np.array(places, dtype=np.int64), matches


def generate_italy(units: int, years: list[int], seed: int, out: Path) -> GenerationReport:
    rng = np.random.default_rng(seed)
    geo = _italian_geography()
    codes = geo.get_column("area_code").to_list()
    n_areas = len(codes)
    # Synthetic population: log-normal, provincial capitals larger, scaled to the national total.
    pop = rng.lognormal(mean=7.8, sigma=1.1, size=n_areas) * np.where(geo.get_column("is_capital").to_numpy(), 12, 1)
    pop = np.maximum(30, np.round(pop * IT_POPULATION / pop.sum())).astype(np.int64)
    # ISTAT's SLL 2021, the SLLs that hold a municipality of the list (sorted by code).
    sll_map = italian_sll_map(codes)
    lma = dict(zip(codes, sll_map.get_column("lma_code").to_list(), strict=True))
    slls = sll_map.unique("lma_code").sort("lma_code")

    ateco = pl.read_csv(REFERENCE_DIR / "ateco_istat" / "ateco_2007_codes.csv", infer_schema=False)
    classes = ateco.filter(pl.col("level") == "class").get_column("code").to_list()
    # Registers carry the 6-digit subcategory: the first one of each class.
    subcategory = {}
    for code in ateco.filter(pl.col("level") == "subcategory").get_column("code").to_list():
        subcategory.setdefault(code[:5], code)
    weights = _sector_weights(rng, classes, _ateco_section, IT_SECTIONS)
    manufacturing = np.array([_ateco_section(c) == "C" for c in classes])

    n_districts = int(np.clip(round(units / UNITS_PER_DISTRICT), MIN_DISTRICTS, MAX_DISTRICTS))
    lma_codes = slls.get_column("lma_code").to_list()
    lma_index = {code: i for i, code in enumerate(lma_codes)}
    area_lma = np.array([lma_index[lma[c]] for c in codes])
    district_classes = [IT_DISTRICT_CLASSES[i % len(IT_DISTRICT_CLASSES)] for i in rng.permutation(n_districts)]
    district_lmas, group_matches = _place_districts(
        rng, district_classes, slls.get_column("istat_class").to_list(), slls.get_column("istat_group").to_list()
    )
    placement = [
        {
            "lma_name": slls.get_column("lma_name")[int(i)],
            "istat_group": slls.get_column("istat_group")[int(i)],
            "istat_group_matches": match,
        }
        for i, match in zip(district_lmas, group_matches, strict=True)
    ]
    d_firms, d_employees = _district_sizes(rng, n_districts)
    # Typology inputs (own generators: the draws above and below are unchanged by them).
    profiles = capability_profiles(seed, n_districts)
    divisions = ateco.filter(pl.col("level") == "division").get_column("code").to_list()
    io_structure = _io_structure(
        seed,
        users=[d for d in divisions if 10 <= int(d) <= 33],
        suppliers=[d for d in divisions if int(d) < 97],  # not households or extraterritorial bodies
        links=IT_IO_LINKS,
        services=IT_IO_SERVICES,
    )
    typology = _TypologyInputs(
        IT_LAYOUT,
        seed,
        classes,
        _ateco_section,
        "C",
        IT_SKILLED_SHARES,
        IT_INNOVATION_RATES,
        io_structure,
        2,
        codes,
        pop,
        area_lma,
        lma_codes,
        district_lmas,
        district_classes,
        profiles,
        wages=IT_WAGES,
    )

    plan = _DivisionOfLabour(
        seed,
        "ATECO2007",
        classes,
        2,
        weights,
        manufacturing,
        area_lma,
        len(lma_codes),
        pop.astype(float) ** 1.05,
        pop.astype(float),
        district_lmas,
        district_classes,
        profiles,
        d_employees,
        max(units - int(d_firms.sum()), units // 2),
        io_structure,
    )
    class_array = np.asarray(classes)
    subcategory_array = np.array([subcategory[c] for c in classes])

    report = GenerationReport("IT", years, {}, {}, [])

    next_id = 1
    for t, year in enumerate(years):
        year_rng = np.random.default_rng([seed, year])
        growth = 1.0 + 0.01 * t
        # Planted districts: firms grow, mature or decline over the years (life-cycle material).
        trend = np.linspace(-0.06, 0.08, n_districts)[np.argsort(np.argsort(d_firms))] * t
        firms_t = np.maximum(10, np.round(d_firms * (1 + trend))).astype(np.int64)
        employees_t = np.maximum(firms_t * 3, np.round(d_employees * (1 + trend))).astype(np.int64)
        area_idx, code_idx, size, role, summary = plan.draw(
            year_rng, units, firms_t, employees_t, typology.io_table(year)
        )
        if t == 0:
            report.districts = _district_records(
                lma_codes, district_lmas, district_classes, firms_t, plan, summary, placement
            )
        klass = class_array[code_idx]
        order = np.lexsort((klass, area_idx))
        area_idx, code_idx, klass, size, role = area_idx[order], code_idx[order], klass[order], size[order], role[order]
        n = area_idx.size
        turnover = np.round(size * year_rng.lognormal(11.6, 0.6, size=n) * growth * _productivity(role))
        export_ratio = _export_ratio(year_rng, role, manufacturing[code_idx])
        ids = pl.Series("id", np.arange(next_id, next_id + n)).cast(pl.String).str.zfill(9)
        frame = pl.DataFrame(
            {
                "codice_ul": ("UL" + ids).rename("codice_ul"),
                "codice_impresa": ("IM" + ids).rename("codice_impresa"),
                "codice_comune": np.asarray(codes)[area_idx],
                "ateco_2007": subcategory_array[code_idx],
                "addetti": size,
                "fatturato": turnover.astype(np.int64),
                "fatturato_export": np.round(turnover * export_ratio).astype(np.int64),
                "anno_inizio": year - np.minimum(60, year_rng.geometric(0.08, size=n)),
            }
        )
        _write(frame, out / "it" / "asia_ul" / str(year) / f"unita_locali_{year}.csv", ";", report, "cp1252")
        report.units[year] = n
        report.employees[year] = int(size.sum())

        year_pop = np.round(pop * (1 + 0.002 * t)).astype(np.int64)
        _write(
            pl.DataFrame({"codice_comune": codes, "popolazione": year_pop}),
            out / "it" / "population" / str(year) / f"popolazione_{year}.csv",
            ";",
            report,
            "cp1252",
        )
        branches = year_rng.poisson(year_pop * 5.4 / 10_000)
        bcc = year_rng.binomial(branches, 0.13)
        _write(
            pl.DataFrame({"codice_comune": codes, "sportelli": branches, "sportelli_bcc": bcc}),
            out / "it" / "banks" / str(year) / f"sportelli_{year}.csv",
            ";",
            report,
            "cp1252",
        )
        exports = (
            frame.lazy()
            .group_by("codice_comune", pl.col("ateco_2007").str.slice(0, 5).alias("ateco_2007"))
            .agg(pl.col("fatturato_export").sum().alias("valore_euro"))
            .filter(pl.col("valore_euro") > 0)
            .sort("codice_comune", "ateco_2007")
            .collect()
        )
        _write(exports, out / "it" / "exports" / str(year) / f"esportazioni_{year}.csv", ";", report, "cp1252")
        typology.write(year, area_idx, klass, size, out, report)
        next_id += n
    return report


# ---------------------------------------------------------------- Mexico

MX_SECTORS = {  # share of DENUE units by SCIAN sector (approximate structure)
    "31-33": 0.12,
    "43": 0.04,
    "46": 0.44,
    "72": 0.12,
    "81": 0.12,
    "54": 0.02,
    "62": 0.04,
    "61": 0.01,
    "56": 0.02,
    "53": 0.01,
    "48-49": 0.01,
    "71": 0.01,
    "52": 0.01,
    "23": 0.005,
    "11": 0.002,
    "21": 0.001,
    "22": 0.001,
    "51": 0.004,
}
MX_DISTRICT_PREFIXES = ["3162", "3152", "3371", "3363", "3121", "3149", "3132", "3399", "3272", "3116"]
MX_BANDS = [
    (5, "0 a 5 personas"),
    (10, "6 a 10 personas"),
    (30, "11 a 30 personas"),
    (50, "31 a 50 personas"),
    (100, "51 a 100 personas"),
    (250, "101 a 250 personas"),
    (10**9, "251 y más personas"),
]
DENUE_COLUMNS = [
    "clee",
    "id",
    "nom_estab",
    "raz_social",
    "nombre_act",
    "per_ocu",
    "tipo_vial",
    "nom_vial",
    "numero_ext",
    "numero_int",
    "nomb_asent",
    "cod_postal",
    "municipio",
    "telefono",
    "correoelec",
    "www",
    "tipoUniEco",
    "longitud",
    "latitud",
    "tipoCenCom",
    "nom_CenCom",
    "num_local",
]


def _scian_sector(code: str) -> str:
    two = code[:2]
    return {"31": "31-33", "32": "31-33", "33": "31-33", "48": "48-49", "49": "48-49"}.get(two, two)


def _band(size: np.ndarray) -> np.ndarray:
    uppers = np.array([u for u, _ in MX_BANDS])
    labels = np.array([label for _, label in MX_BANDS], dtype=object)
    return labels[np.searchsorted(uppers, size, side="left")]


def generate_mexico(units: int, years: list[int], seed: int, out: Path) -> GenerationReport:
    rng = np.random.default_rng(seed)
    municipios = json.loads((REFERENCE_DIR / "inegi_municipios" / "municipios_completo.json").read_text("utf-8"))
    municipios = sorted(municipios, key=lambda m: m["cve_completa"])
    codes = [m["cve_completa"] for m in municipios]
    names = [m["nom_municipio"] for m in municipios]
    pop = np.array([m["poblacion_total"] for m in municipios], dtype=np.int64)
    lma = _lma_groups(codes, lambda c: c[:2], areas_per_lma=6.0, prefix="ZM")

    scian = pl.read_csv(REFERENCE_DIR / "scian_ciiu_mx" / "scian_ciiu_correspondence.csv", infer_schema=False)
    scian = scian.filter(pl.col("SCIAN").str.contains(r"^\d{6}$")).unique("SCIAN").sort("SCIAN")
    scian_codes = scian.get_column("SCIAN").to_list()
    scian_names = dict(zip(scian_codes, scian.get_column("SCIAN_string").to_list(), strict=True))
    weights = _sector_weights(rng, scian_codes, _scian_sector, MX_SECTORS)
    manufacturing = np.array([_scian_sector(c) == "31-33" for c in scian_codes])

    n_districts = int(np.clip(round(units / UNITS_PER_DISTRICT), MIN_DISTRICTS, MAX_DISTRICTS))
    lma_codes = sorted(set(lma.values()))
    lma_index = {code: i for i, code in enumerate(lma_codes)}
    area_lma = np.array([lma_index[lma[c]] for c in codes])
    # Districts in labour-market areas with at least 50,000 inhabitants.
    lma_pop = np.bincount(area_lma, weights=pop, minlength=len(lma_codes))
    eligible = np.flatnonzero(lma_pop >= 50_000)
    district_lmas = rng.choice(eligible, size=n_districts, replace=False)
    district_codes = []
    for i in rng.permutation(n_districts):
        prefix = MX_DISTRICT_PREFIXES[i % len(MX_DISTRICT_PREFIXES)]
        candidates = [c for c in scian_codes if c.startswith(prefix)]
        district_codes.append(candidates[int(rng.integers(len(candidates)))])
    d_firms, d_employees = _district_sizes(rng, n_districts)
    # Typology inputs (own generators: the draws above and below are unchanged by them).
    profiles = capability_profiles(seed, n_districts)
    subsectors = sorted({c[:3] for c in scian_codes})
    io_structure = _io_structure(
        seed,
        users=[s for s in subsectors if _scian_sector(s) == "31-33"],
        suppliers=subsectors,
        links=MX_IO_LINKS,
        services=MX_IO_SERVICES,
    )
    typology = _TypologyInputs(
        MX_LAYOUT,
        seed,
        scian_codes,
        _scian_sector,
        "31-33",
        MX_SKILLED_SHARES,
        MX_INNOVATION_RATES,
        io_structure,
        3,
        codes,
        pop,
        area_lma,
        lma_codes,
        district_lmas,
        district_codes,
        profiles,
    )

    band_estimates = _band_estimates()
    band_uppers = np.array([u for u, _ in MX_BANDS])
    plan = _DivisionOfLabour(
        seed,
        "SCIAN2018",
        scian_codes,
        3,
        weights,
        manufacturing,
        area_lma,
        len(lma_codes),
        pop.astype(float),
        pop.astype(float) + 1,
        district_lmas,
        district_codes,
        profiles,
        d_employees,
        max(units - int(d_firms.sum()), units // 2),
        io_structure,
        observed=lambda size: band_estimates[np.searchsorted(band_uppers, size, side="left")],
    )
    code_array = np.asarray(scian_codes)
    name_array = np.array([scian_names[c] for c in scian_codes], dtype=object)
    exporting = np.array([MX_EXPORTING.get(r, MX_EXPORTING[0]) for r in range(max(ROLE_LINKAGE) + 1)])

    report = GenerationReport("MX", years, {}, {}, [])
    _write(
        pl.DataFrame(
            {
                "cve_mun": codes,
                "cve_zona": [lma[c] for c in codes],
                "nom_zona": [f"Zona sintetica {lma[c][2:]}" for c in codes],
            }
        ),
        out / "mx" / "lma" / "municipios_zonas.csv",
        ",",
        report,
    )

    next_id = 1
    for t, year in enumerate(years):
        year_rng = np.random.default_rng([seed, year])
        trend = np.linspace(-0.06, 0.08, n_districts)[np.argsort(np.argsort(d_firms))] * t
        firms_t = np.maximum(10, np.round(d_firms * (1 + trend))).astype(np.int64)
        employees_t = np.maximum(firms_t * 3, np.round(d_employees * (1 + trend))).astype(np.int64)
        area_idx, code_idx, size, role, summary = plan.draw(
            year_rng, units, firms_t, employees_t, typology.io_table(year)
        )
        if t == 0:
            report.districts = _district_records(lma_codes, district_lmas, district_codes, firms_t, plan, summary)
        code = code_array[code_idx]
        order = np.lexsort((code, area_idx))
        area_idx, code_idx, code, size, role = area_idx[order], code_idx[order], code[order], size[order], role[order]
        n = area_idx.size
        ids = np.arange(next_id, next_id + n)
        area = np.asarray(codes)[area_idx]
        id_text = pl.Series(ids).cast(pl.String)
        clee = (
            pl.Series(area)
            + pl.Series(code)
            + id_text.str.zfill(6)
            + "000000000S"
            + pl.Series(ids % 10).cast(pl.String)
        )
        empty = [None] * n
        frame = pl.DataFrame(
            {
                "clee": clee,
                "id": ids,
                "nom_estab": "ESTABLECIMIENTO SINTETICO " + id_text,
                "raz_social": empty,
                "nombre_act": name_array[code_idx],
                "per_ocu": _band(size),
                "tipo_vial": empty,
                "nom_vial": empty,
                "numero_ext": empty,
                "numero_int": empty,
                "nomb_asent": empty,
                "cod_postal": empty,
                "municipio": np.asarray(names, dtype=object)[area_idx],
                "telefono": empty,
                "correoelec": empty,
                "www": empty,
                "tipoUniEco": ["Fijo"] * n,
                "longitud": empty,
                "latitud": empty,
                "tipoCenCom": empty,
                "nom_CenCom": empty,
                "num_local": empty,
            },
            schema={c: (pl.Int64 if c == "id" else pl.String) for c in DENUE_COLUMNS},
        )
        _write(frame, out / "mx" / "denue" / str(year) / f"denue_{year}.csv", ",", report)
        report.units[year] = n
        report.employees[year] = int(size.sum())

        _write(
            pl.DataFrame({"cve_mun": codes, "poblacion": pop}),
            out / "mx" / "population" / str(year) / f"poblacion_{year}.csv",
            ",",
            report,
        )
        branches = year_rng.poisson(pop * 1.0 / 10_000)
        _write(
            pl.DataFrame({"cve_mun": codes, "sucursales": branches}),
            out / "mx" / "banks" / str(year) / f"sucursales_{year}.csv",
            ",",
            report,
        )
        # Exports by municipality x HS 6-digit product of the unit's industry (via ISIC Rev.4).
        exports = _mx_exports(year_rng, area, code, size, exporting[role])
        _write(exports, out / "mx" / "exports" / str(year) / f"exportaciones_{year}.csv", ",", report)
        _write(_mx_imports(np.random.default_rng([seed, year, 11])), out / "mx" / "imports" / str(year)
               / f"importaciones_{year}.csv", ",", report)
        typology.write(year, area_idx, code, size, out, report)
        next_id += n
    return report


# Mexico's imports lean on intermediate and capital goods: mean import value per HS6 product by ISIC
# division, as a multiple of the overall mean (synthetic, for partner-matching M4).
MX_IMPORT_DIVISION_WEIGHT = {"13": 3.0, "20": 3.0, "22": 2.5, "24": 2.5, "26": 4.0, "27": 3.0, "28": 4.0, "29": 3.0}


def _mx_imports(rng: np.random.Generator) -> pl.DataFrame:
    """National imports by HS6 product of the manufacturing ISIC divisions (10-33), in US dollars."""
    hs = pl.read_csv(REFERENCE_DIR / "hs_isic4" / "hs_isic4.csv", infer_schema=False)
    products = (
        hs.filter(pl.col("HS_6d").str.contains(r"^\d{6}$") & pl.col("ISIC4_4d").str.contains(r"^\d{4}$"))
        .with_columns(pl.col("ISIC4_4d").str.slice(0, 2).alias("division"))
        .filter(pl.col("division").is_between(pl.lit("10"), pl.lit("33")))
        .group_by("HS_6d")
        .agg(pl.col("division").min())
        .sort("HS_6d")
    )
    weight = np.array([MX_IMPORT_DIVISION_WEIGHT.get(d, 1.0) for d in products.get_column("division").to_list()])
    value = np.round(weight * rng.lognormal(15.0, 1.5, size=products.height))
    return pl.DataFrame({"hs6": products.get_column("HS_6d"), "valor_usd": value.astype(np.int64)})


def _mx_exports(
    rng: np.random.Generator, area: np.ndarray, code: np.ndarray, size: np.ndarray, exporting: np.ndarray
) -> pl.DataFrame:
    """Exports of manufacturing units (each exports with its probability), by municipality x an HS6
    product of their ISIC class."""
    scian_isic = pl.read_csv(REFERENCE_DIR / "scian_ciiu_mx" / "scian_ciiu_correspondence.csv", infer_schema=False)
    scian_isic = (
        scian_isic.filter(pl.col("SCIAN").str.contains(r"^\d{6}$") & pl.col("CIIU").str.contains(r"^\d{3,4}$"))
        .with_columns(pl.col("CIIU").str.zfill(4))
        .group_by("SCIAN")
        .agg(pl.col("CIIU").min())
    )
    hs = pl.read_csv(REFERENCE_DIR / "hs_isic4" / "hs_isic4.csv", infer_schema=False)
    hs_by_isic = hs.group_by("ISIC4_4d").agg(pl.col("HS_6d").min().alias("hs6"))
    units = pl.DataFrame({"cve_mun": area, "SCIAN": code, "size": size, "exporting": exporting})
    units = units.filter(pl.col("SCIAN").str.slice(0, 2).is_in(["31", "32", "33"]))
    units = units.join(scian_isic, on="SCIAN", how="inner", maintain_order="left").join(
        hs_by_isic, left_on="CIIU", right_on="ISIC4_4d", maintain_order="left"
    )
    export_per_employee = rng.lognormal(9.5, 1.0, size=units.height)
    exports = rng.random(units.height) < units.get_column("exporting").to_numpy()
    units = units.with_columns(
        pl.Series("valor_usd", np.round(units.get_column("size").to_numpy() * export_per_employee * exports))
    )
    return (
        units.filter(pl.col("valor_usd") > 0)
        .group_by("cve_mun", "hs6")
        .agg(pl.col("valor_usd").sum().cast(pl.Int64))
        .sort("cve_mun", "hs6")
    )


# ---------------------------------------------------------------- typology inputs (D2, D4, D6, D7)
#
# Input-output coefficients, innovation counts, workforce skills and wages, and institutions.
# Every draw here comes from generators of their own (stream TYPOLOGY_STREAM), never from the
# register's. The register reads the input-output table (the districts' suppliers are planted from
# it: see the division-of-labour section below), so changing the table changes the register.
#
# Planted districts get a capability profile 1-4 (low to high) that scales their innovation
# intensity, their skilled share (and wages) and the institutions they have; the profile is
# recorded in GENERATED.json so that the typology can be checked against what was planted.

TYPOLOGY_STREAM = 7
# The district's departure from the national industry, which also contains the scattered units of
# the same industry outside the districts (see PROFILE_NATIONAL_SHARE): against its own industry a
# district holding a share s of it shows k / (s k + 1 - s) for a factor k, so the factors are wide
# enough for the levels of D4 (0.5, 1, 2) and D6 (0.75, 1, 1.25) to follow the profile.
PROFILE_INNOVATION = {1: 0.2, 2: 0.8, 3: 1.5, 4: 5.0}  # x the national manufacturing rate
PROFILE_SKILLS = {1: 0.45, 2: 0.9, 3: 1.2, 4: 1.8}  # x the national manufacturing skilled share
PROFILE_WAGES = {1: 0.97, 2: 0.99, 3: 1.02, 4: 1.05}  # wage premium on top of the skill mix
PROFILE_INSTITUTIONS = {
    1: (),
    2: ("association",),
    3: ("association", "service_centre"),
    4: ("association", "service_centre", "cluster_organisation"),  # every other one also a network
}
# Technical coefficients a_jm: each user has 3-8 suppliers (its own division among them), within
# this range, with total intermediate inputs of at most IO_MAX_INPUT_SHARE of output.
IO_RANGE = (0.005, 0.25)
IO_SUPPLIERS = (3, 8)
IO_MAX_INPUT_SHARE = 0.75

# Real links of input-output tables (supplier division -> user division), ATECO 2007 divisions.
IT_IO_LINKS = {
    "10": ("01", "03", "17", "22"),  # food: agriculture, fishing, packaging
    "11": ("01", "10", "23"),  # beverages: agriculture, food, glass
    "12": ("01",),
    "13": ("01", "20"),  # textiles: fibres, dyes
    "14": ("13",),  # clothing <- textiles
    "15": ("20", "10"),  # leather and footwear <- tanning chemicals, hides
    "16": ("02",),  # wood <- forestry
    "17": ("16", "20"),
    "18": ("17", "20"),  # printing <- paper
    "19": ("06",),  # refining <- crude oil
    "20": ("19", "06"),  # chemicals <- refining
    "21": ("20",),  # pharmaceuticals <- chemicals
    "22": ("20", "19"),  # plastics <- chemicals
    "23": ("08", "35", "20"),  # ceramics, glass <- quarrying, energy
    "24": ("07", "35", "38"),  # basic metals <- ores, energy, scrap
    "25": ("24",),  # fabricated metal <- basic metals
    "26": ("27", "25"),
    "27": ("24", "26", "22"),
    "28": ("25", "24", "27", "26"),  # machinery <- metal products, steel, electrical
    "29": ("25", "22", "24", "27", "28"),  # motor vehicles
    "30": ("25", "24", "28", "27"),
    "31": ("16", "13", "22", "25"),  # furniture <- wood, textiles (upholstery), plastics
    "32": ("24", "22"),  # jewellery <- precious metals
    "33": ("28", "25", "27"),
}
IT_IO_SERVICES = ("35", "46", "49", "52", "64", "68", "69", "70", "71", "73", "77", "82")
MX_IO_LINKS = {
    "311": ("111", "112", "114", "322", "326"),
    "312": ("111", "311", "327"),
    "313": ("111", "325"),
    "314": ("313",),
    "315": ("313", "314"),  # apparel <- textile mills
    "316": ("112", "325"),  # leather and footwear <- hides, tanning chemicals
    "321": ("113",),
    "322": ("321", "325"),
    "323": ("322", "325"),
    "324": ("211",),
    "325": ("324", "211"),
    "326": ("325", "324"),  # plastics <- chemicals
    "327": ("212", "221", "325"),
    "331": ("212", "221"),
    "332": ("331",),
    "333": ("332", "331", "335"),
    "334": ("335", "326"),
    "335": ("331", "334", "326"),
    "336": ("332", "326", "331", "335", "334"),  # vehicles and parts
    "337": ("321", "313", "332"),  # furniture <- wood, textiles
    "339": ("331", "326"),
}
MX_IO_SERVICES = ("221", "431", "434", "484", "488", "493", "522", "531", "532", "541", "561")

# Innovation: rights per 1,000 employees in manufacturing (patents, trademarks, designs); order of
# magnitude of national and European filings by residents over manufacturing employment [O].
IT_INNOVATION_RATES = (2.5, 6.0, 2.0)
MX_INNOVATION_RATES = (0.2, 2.5, 0.4)
# Skilled share (ISCO-08 major groups 2 and 3) by sector; manufacturing about 0.25.
IT_SKILLED_SHARES = {
    "A": 0.05, "B": 0.20, "C": 0.25, "D": 0.45, "E": 0.20, "F": 0.12, "G": 0.18, "H": 0.15,
    "I": 0.08, "J": 0.60, "K": 0.60, "L": 0.40, "M": 0.65, "N": 0.20, "O": 0.50, "P": 0.70,
    "Q": 0.55, "R": 0.30, "S": 0.20, "T": 0.05, "U": 0.50,
}  # fmt: skip
MX_SKILLED_SHARES = {
    "11": 0.05, "21": 0.20, "22": 0.45, "23": 0.12, "31-33": 0.25, "43": 0.18, "46": 0.12,
    "48-49": 0.12, "51": 0.55, "52": 0.55, "53": 0.30, "54": 0.65, "55": 0.50, "56": 0.15,
    "61": 0.70, "62": 0.50, "71": 0.20, "72": 0.06, "81": 0.12, "93": 0.50,
}  # fmt: skip
# Annual gross wage per worker (Italy, euro): the wage bill follows the skill mix.
IT_WAGES = {"skilled": 38_000.0, "other": 24_000.0}


def _typology_rng(seed: int, *stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, TYPOLOGY_STREAM, *stream])


def capability_profiles(seed: int, n_districts: int) -> np.ndarray:
    """Profile 1-4 of each planted district: a seeded permutation taken modulo 4, so that
    every level occurs when there are at least four districts."""
    return _typology_rng(seed, 1).permutation(n_districts) % 4 + 1


@dataclass(frozen=True)
class _Layout:
    """File names and column names of one country's typology inputs."""

    folder: str
    separator: str
    encoding: str
    area: str
    code: str
    io: tuple[str, str, str, str]  # file pattern, supplier, user, coefficient
    innovation: tuple[str, str, str, str]  # file pattern, patents, trademarks, designs
    workforce: tuple[str, str, str, str | None]  # file pattern, workers, skilled, wage bill
    institutions: tuple[str, str, str, str, str]  # file pattern, id, name, kind, labelled
    kind_labels: dict[str, str]
    labelled_labels: tuple[str, str]  # (true, false)
    names: dict[str, str]  # kind -> name template with {code} and {lma}
    id_prefix: str


IT_LAYOUT = _Layout(
    folder="it",
    separator=";",
    encoding="cp1252",
    area="codice_comune",
    code="ateco_2007",
    io=("io/{year}/coefficienti_io_{year}.csv", "divisione_fornitrice", "divisione_utilizzatrice", "coefficiente"),
    innovation=("innovation/{year}/brevetti_marchi_disegni_{year}.csv", "brevetti", "marchi", "disegni"),
    workforce=("workforce/{year}/addetti_qualifiche_{year}.csv", "addetti", "addetti_qualificati", "monte_salari"),
    institutions=("institutions/{year}/istituzioni_{year}.csv", "id_istituzione", "denominazione", "tipo", "etichetta"),
    kind_labels={
        "association": "associazione",
        "service_centre": "centro_servizi",
        "cluster_organisation": "cluster",
        "international_network": "rete_internazionale",
    },
    labelled_labels=("S", "N"),
    names={
        "association": "Associazione di categoria sintetica {code} ({lma})",
        "service_centre": "Centro servizi sintetico {code} ({lma})",
        "cluster_organisation": "Cluster sintetico {code} ({lma})",
        "international_network": "Rete internazionale sintetica {code} ({lma})",
    },
    id_prefix="IST",
)
MX_LAYOUT = _Layout(
    folder="mx",
    separator=",",
    encoding="utf-8",
    area="cve_mun",
    code="scian",
    io=("io/{year}/coeficientes_mip_{year}.csv", "subsector_origen", "subsector_destino", "coeficiente"),
    innovation=("innovation/{year}/propiedad_industrial_{year}.csv", "patentes", "marcas", "disenos"),
    workforce=("workforce/{year}/personal_ocupado_{year}.csv", "personal_ocupado", "personal_calificado", None),
    institutions=("institutions/{year}/instituciones_{year}.csv", "id_institucion", "nombre", "tipo", "etiquetado"),
    kind_labels={
        "association": "camara",
        "service_centre": "centro_servicios",
        "cluster_organisation": "cluster",
        "international_network": "red_internacional",
    },
    labelled_labels=("1", "0"),
    names={
        "association": "Camara sectorial sintetica {code} ({lma})",
        "service_centre": "Centro de servicios sintetico {code} ({lma})",
        "cluster_organisation": "Cluster sintetico {code} ({lma})",
        "international_network": "Red internacional sintetica {code} ({lma})",
    },
    id_prefix="INS",
)


def _io_structure(
    seed: int, users: list[str], suppliers: list[str], links: dict, services: tuple[str, ...]
) -> pl.DataFrame:
    """Base technical coefficients (supplier, user, coefficient), stable across years."""
    rng = _typology_rng(seed, 3)
    known = set(suppliers)
    lo, hi = IO_RANGE
    rows_s, rows_u, values = [], [], []
    for user in users:  # a few dozen divisions
        linked = [user] + [s for s in links.get(user, ()) if s in known and s != user]
        linked = linked[: IO_SUPPLIERS[1]]
        k = max(len(linked), int(rng.integers(IO_SUPPLIERS[0], IO_SUPPLIERS[1] + 1)))
        others = [s for s in suppliers if s not in linked]
        weights = np.array([4.0 if s in services else 1.0 for s in others])
        extra = np.sort(rng.choice(len(others), size=k - len(linked), replace=False, p=weights / weights.sum()))
        chosen = linked + [others[i] for i in extra]
        v = np.concatenate(
            [
                rng.uniform(0.08, hi, size=1),  # own division
                rng.uniform(0.03, 0.18, size=len(linked) - 1),  # the real links
                np.exp(rng.uniform(np.log(lo), np.log(0.08), size=extra.size)),  # everything else
            ]
        )
        v = np.clip(v * min(1.0, IO_MAX_INPUT_SHARE / v.sum()), lo, hi)
        rows_s += chosen
        rows_u += [user] * len(chosen)
        values.append(v)
    return pl.DataFrame({"supplier": rows_s, "user": rows_u, "base": np.concatenate(values)})


class _TypologyInputs:
    """One country's structure for the typology inputs (fixed over years) and its yearly writer."""

    def __init__(
        self,
        layout: _Layout,
        seed: int,
        industry_codes: list[str],
        sector_of,
        manufacturing_sector: str,
        skilled_shares: dict[str, float],
        innovation_rates: tuple[float, float, float],
        io_tables: pl.DataFrame,
        prefix_len: int,
        area_codes: list[str],
        pop: np.ndarray,
        area_lma: np.ndarray,
        lma_codes: list[str],
        district_lmas: np.ndarray,
        district_codes: list[str],
        profiles: np.ndarray,
        wages: dict[str, float] | None = None,
    ) -> None:
        self.layout, self.seed = layout, seed
        self.area_codes = np.asarray(area_codes)
        self.area_lma = area_lma
        self.district_lmas = np.asarray(district_lmas)
        self.district_codes = list(district_codes)
        self.profiles = np.asarray(profiles)
        self.rates = np.asarray(innovation_rates, dtype=float)
        self.wages = wages
        self.io = io_tables
        # Per industry code (sorted): manufacturing flag and the sector's skilled share. One national
        # rate and one skilled share for all of manufacturing, so that a district's departure from
        # them is its profile, not its industry.
        self.codes = np.array(sorted(set(industry_codes)))
        sectors = [sector_of(c) for c in self.codes]
        self.is_manufacturing = np.array([s == manufacturing_sector for s in sectors])
        self.skilled_share = np.array([skilled_shares.get(s, 0.2) for s in sectors])
        self.institutions = self._institutions(prefix_len, pop, lma_codes)

    # -- institutions (fixed over years)

    def _institutions(self, prefix_len: int, pop: np.ndarray, lma_codes: list[str]) -> pl.DataFrame:
        rng = _typology_rng(self.seed, 2)
        # Seat of an area's institutions: its most populous municipality.
        order = np.lexsort((-pop, self.area_lma))
        first = np.unique(self.area_lma[order], return_index=True)[1]
        seat = dict(zip(self.area_lma[order][first].tolist(), order[first].tolist(), strict=True))
        rows: list[tuple[int, str, str, bool]] = []  # (area index, kind, industry code, labelled)
        networks = 0
        for d, profile in enumerate(self.profiles.tolist()):
            area = seat[int(self.district_lmas[d])]
            code = self.district_codes[d]
            for kind in PROFILE_INSTITUTIONS[profile]:
                served = code[:prefix_len] if kind == "association" else code
                rows.append((area, kind, served, kind == "cluster_organisation"))
            if profile == 4:  # the first, third, ... also belong to an international network
                if networks % 2 == 0:
                    rows.append((area, "international_network", code, False))
                networks += 1
        # A few background associations in areas without a planted district.
        free = np.setdiff1d(np.arange(len(lma_codes)), self.district_lmas)
        n_background = min(free.size, max(4, len(lma_codes) // 40))
        manufacturing_prefixes = sorted({c[:prefix_len] for c in self.codes[self.is_manufacturing]})
        for lma in np.sort(rng.choice(free, size=n_background, replace=False)).tolist():
            served = manufacturing_prefixes[int(rng.integers(len(manufacturing_prefixes)))]
            rows.append((seat[lma], "association", served, False))
        lay = self.layout
        return pl.DataFrame(
            {
                lay.area: [str(self.area_codes[a]) for a, *_ in rows],
                lay.institutions[1]: [f"{lay.id_prefix}{i + 1:05d}" for i in range(len(rows))],
                lay.institutions[2]: [
                    lay.names[k].format(code=c, lma=lma_codes[self.area_lma[a]]) for a, k, c, _ in rows
                ],
                lay.institutions[3]: [lay.kind_labels[k] for _, k, _, _ in rows],
                lay.institutions[4]: [lay.labelled_labels[0 if flag else 1] for *_, flag in rows],
                lay.code: [c for _, _, c, _ in rows],
            }
        )

    # -- yearly files

    def io_table(self, year: int) -> pl.DataFrame:
        """The year's technical coefficients (supplier, user, coefficient) as written: the fixed
        structure with a small yearly drift, rounded to four decimals. The register's planted
        suppliers are read from the same table (see _DivisionOfLabour)."""
        rng = np.random.default_rng([self.seed, year, TYPOLOGY_STREAM, 1])
        drift = np.exp(rng.normal(0.0, 0.04, size=self.io.height))
        coefficient = np.round(np.clip(self.io.get_column("base").to_numpy() * drift, *IO_RANGE), 4)
        return pl.DataFrame(
            {"supplier": self.io.get_column("supplier"), "user": self.io.get_column("user"), "coefficient": coefficient}
        )

    def write(
        self, year: int, area_idx: np.ndarray, code: np.ndarray, size: np.ndarray, out: Path, report: GenerationReport
    ) -> None:
        lay = self.layout
        rng = np.random.default_rng([self.seed, year, TYPOLOGY_STREAM])
        folder = out / lay.folder

        def path(pattern: str) -> Path:
            return folder / pattern.format(year=year)

        # Input-output coefficients: the fixed structure with a small yearly drift.
        table = self.io_table(year)
        io = pl.DataFrame(
            {
                lay.io[1]: table.get_column("supplier"),
                lay.io[2]: table.get_column("user"),
                lay.io[3]: [f"{v:.4f}" for v in table.get_column("coefficient").to_list()],
            }
        ).sort(lay.io[2], lay.io[1])
        _write(io, path(lay.io[0]), lay.separator, report, lay.encoding)

        # Cells: municipality x industry code with the register's employees.
        cells = (
            pl.DataFrame({"area": area_idx, "code": code.astype(str), "workers": size})
            .group_by("area", "code")
            .agg(pl.col("workers").sum())
            .sort("area", "code")
        )
        c_area = cells.get_column("area").to_numpy()
        c_code = cells.get_column("code").to_numpy().astype(str)
        workers = cells.get_column("workers").to_numpy()
        k = np.searchsorted(self.codes, c_code)
        profile = np.zeros(cells.height, dtype=np.int64)  # 0: not a planted district's cell
        c_lma = self.area_lma[c_area]
        for d in range(self.district_lmas.size):  # districts, not units
            profile[(c_lma == self.district_lmas[d]) & (c_code == self.district_codes[d])] = self.profiles[d]
        area_out = self.area_codes[c_area]

        # Innovation: Poisson around the national rate per 1,000 employees, scaled in districts.
        manuf = self.is_manufacturing[k]
        boost = np.array([1.0] + [PROFILE_INNOVATION[p] for p in (1, 2, 3, 4)])[profile]
        lam = (workers / 1000.0 * boost)[:, None] * self.rates[None, :]
        counts = rng.poisson(lam[manuf])
        keep = counts.sum(axis=1) > 0
        innovation = pl.DataFrame(
            {
                lay.area: area_out[manuf][keep],
                lay.code: c_code[manuf][keep],
                lay.innovation[1]: counts[keep, 0],
                lay.innovation[2]: counts[keep, 1],
                lay.innovation[3]: counts[keep, 2],
            }
        )
        _write(innovation, path(lay.innovation[0]), lay.separator, report, lay.encoding)

        # Workforce: every cell; skilled workers binomial, the wage bill from the skill mix.
        skills = np.array([1.0] + [PROFILE_SKILLS[p] for p in (1, 2, 3, 4)])[profile]
        share = np.clip(self.skilled_share[k] * skills, 0.01, 0.95)
        skilled = rng.binomial(workers, share)
        workforce = {
            lay.area: area_out,
            lay.code: c_code,
            lay.workforce[1]: workers,
            lay.workforce[2]: skilled,
        }
        if self.wages is not None and lay.workforce[3] is not None:
            premium = np.array([1.0] + [PROFILE_WAGES[p] for p in (1, 2, 3, 4)])[profile]
            noise = rng.lognormal(0.0, 0.08, size=cells.height)
            wage_bill = (skilled * self.wages["skilled"] + (workers - skilled) * self.wages["other"]) * premium * noise
            workforce[lay.workforce[3]] = np.round(wage_bill).astype(np.int64)
        _write(pl.DataFrame(workforce), path(lay.workforce[0]), lay.separator, report, lay.encoding)

        # Institutions: the same list every year.
        _write(self.institutions, path(lay.institutions[0]), lay.separator, report, lay.encoding)


# ---------------------------------------------------------------- division of labour and national share
#
# A district is its local suppliers, machinery makers and business services as much as its main
# industry, and it is seldom the whole of its industry. By capability profile, planted districts get
#
# * a share of their main industry's national employment (PROFILE_NATIONAL_SHARE, 35-70 %): the
#   rest are scattered units of the same industry outside the districts' areas, with national
#   rates of innovation, skills and exports. Against its own industry a district holding a share s
#   is at most 1/s times the national value, so the top levels of D2 (export LQ >= 2) and D4 (x2)
#   need s < 0.5, hence profile 4's lower share. A district that dominates a small register keeps a
#   higher share, and lower linkage LQs, so that its main industry keeps an LQ >= 2 (it stays a
#   district);
# * its division of labour: from profile 2, units of the industries supplying its main industry in
#   the year's input-output table (coefficient >= 0.02, the own division excluded) in its
#   labour-market area, spread over the supplier divisions' classes in proportion to the
#   coefficients, with an LQ drawn in LINKAGE_LQ and at least 10-25 % of the main industry's
#   employment (at most 35 %, unless the set needs more for an LQ of 1.3); from profile 3 also units of the machinery industry serving its ISTAT group (where
#   the group has one, and it is not the main industry itself) and of knowledge-intensive business
#   services. Profile 1 gets none of them. A set the profile does not plant stays below 1: where
#   chance put the background above THIN_MAX_LQ, background units of the set move out of the area;
# * exports (Italy: share of turnover; Mexico: the share of exporting units) and turnover per
#   employee rising with the profile: profile 1 under 10 % of turnover, profile 4 over 40 %.
#
# Scattered and division-of-labour units are micro and small background units relabelled (the
# division of labour's also moved into the district's area), so the register keeps its number of
# units and its calibrated sizes. The sets are the warehouse's (dbt_project/seeds: kibs_codes,
# machinery_for_groups, istat_group_codes) and the LQs are solved on the register as drawn, in the
# employment the warehouse will see (Mexico: the band estimates).

SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
D2_SUPPLIER_MIN_COEFFICIENT = 0.02  # rule parameter typology_d2_supplier_min_coefficient
PROFILE_NATIONAL_SHARE = {1: (0.55, 0.70), 2: (0.50, 0.65), 3: (0.45, 0.60), 4: (0.35, 0.42)}
LINKAGE_SETS = ("suppliers", "machinery", "kibs")
LINKAGE_LQ = ((1.4, 2.0), (1.5, 3.0), (1.2, 1.6))  # LQ drawn for each set in the district's area
LINKAGE_MIN_PROFILE = (2, 3, 3)
LINKAGE_SUPPLIER_SHARE = (0.10, 0.25)  # supplier employment at least this share of the main industry's
LINKAGE_MIN_EMPLOYEES = 3.0  # machinery and KIBS: at least a unit, even where the industry is absent elsewhere
LINKAGE_MAX_SHARE = (0.35, 0.05, 0.25)  # caps of each set's planted employment, against the main industry's
LINKAGE_MIN_LQ = 1.3  # ... unless a set needs more to reach this LQ
SMALL_UNIT_MAX_SIZE = 49  # scattered and division-of-labour units are micro and small units
DISTRICT_PLAN_LQ = 2.5  # expected LQ of the main industry that the planned national share keeps
DISTRICT_MIN_LQ = 2.2  # the floor kept every year while solving the linkages (identification: 2)
MAX_PLAN_SHARE = 0.8  # above it, the linkage LQs are lowered instead
MAX_SCATTERED_SHARE = 0.5  # of the micro and small background units outside the districts' areas
MAX_LINKAGE_SHARE = 0.8  # of what remains of them, for the division of labour
THIN_MAX_LQ = 0.8  # a set the profile does not plant stays at most at this LQ in the district's area
ROLE_SCATTERED = 5  # unit roles: 0 background, 1-4 district unit of that profile, 5 scattered
ROLE_LINKAGE = (6, 7, 8)  # suppliers, machinery, KIBS
# Italy: a district unit's export share of turnover (Beta parameters; means 0.03, 0.20, 0.29, 0.71),
# scattered units' (mean 0.08) and turnover per employee against the background.
PROFILE_EXPORT_BETA = {1: (0.5, 14.0), 2: (1.5, 6.0), 3: (2.0, 5.0), 4: (6.0, 2.5)}
SCATTERED_EXPORT_BETA = (0.5, 5.5)
PROFILE_PRODUCTIVITY = {1: 0.9, 2: 1.0, 3: 1.1, 4: 1.25}
# Mexico: probability that a manufacturing unit exports, by role (background 0.25).
MX_EXPORTING = {0: 0.25, 1: 0.03, 2: 0.25, 3: 0.40, 4: 0.75, ROLE_SCATTERED: 0.05}


def _expected_size(class_shares) -> float:
    """Mean employees per unit of _sizes with these class shares (the first size classes when shorter)."""
    shares = np.asarray(class_shares, dtype=float) / sum(class_shares)
    mean = 0.0
    n = shares.size
    for share, (lo, hi), exponent in zip(shares, SIZE_CLASSES[:n], CLASS_EXPONENTS[:n], strict=True):
        k = np.arange(lo, hi + 1, dtype=float)
        w = k**-exponent
        mean += share * float((k * w).sum() / w.sum())
    return mean


def _read_seed(name: str, system: str) -> pl.DataFrame:
    return pl.read_csv(SEEDS_DIR / name, infer_schema=False).filter(pl.col("industry_system") == system)


def _take(values: np.ndarray, targets) -> list[tuple[int, int]]:
    """Consecutive slices of `values`, one per target, each the shortest whose sum reaches its target
    (at least one value when the target is positive, none when it is not)."""
    cum = np.concatenate([[0.0], np.cumsum(values)])
    out, start = [], 0
    for target in np.asarray(targets, dtype=float).tolist():  # one per district and set
        end = start
        if target > 0 and start < values.size:
            end = min(max(int(np.searchsorted(cum, cum[start] + target, side="left")), start + 1), values.size)
        out.append((start, end))
        start = end
    return out


class _DivisionOfLabour:
    """One country's planted districts with their scattered national industry and division of labour:
    the plan (fixed over years) and the register's units of each year."""

    def __init__(
        self,
        seed: int,
        system: str,
        codes: list[str],
        prefix_len: int,
        weights: np.ndarray,
        manufacturing: np.ndarray,
        area_lma: np.ndarray,
        n_lma: int,
        background_area_weights: np.ndarray,
        district_area_weights: np.ndarray,
        district_lmas: np.ndarray,
        district_codes: list[str],
        profiles: np.ndarray,
        district_employees: np.ndarray,
        n_background: int,
        io_base: pl.DataFrame,
        observed=None,
    ) -> None:
        self.codes = np.asarray(codes)
        self.n_codes = self.codes.size
        self.prefix_len = prefix_len
        self.prefix_values, self.prefix_of = np.unique([c[:prefix_len] for c in codes], return_inverse=True)
        self.weights = np.asarray(weights, dtype=float)
        self.manufacturing = np.asarray(manufacturing)
        self.area_lma, self.n_lma = area_lma, n_lma
        self.background_area_weights = np.asarray(background_area_weights, dtype=float)
        self.district_area_weights = np.asarray(district_area_weights, dtype=float)
        self.district_lmas = np.asarray(district_lmas)
        index = {c: i for i, c in enumerate(codes)}
        self.main = np.array([index[c] for c in district_codes], dtype=np.int64)
        self.is_main = np.isin(np.arange(self.n_codes), self.main)
        self.profiles = np.asarray(profiles)
        # Employment as the warehouse sees it (Mexico: DENUE's band estimates).
        self.observed = observed if observed is not None else (lambda size: size.astype(float))
        self.members = [np.flatnonzero(area_lma == lma) for lma in self.district_lmas]
        self.in_district_area = np.isin(area_lma, self.district_lmas)  # per municipality
        self.kibs = self._prefix_mask(_read_seed("kibs_codes.csv", system).get_column("code_prefix").to_list())
        self.machinery = [self._prefix_mask(p) for p in self._machinery_prefixes(system, district_codes)]
        n = self.main.size
        rng = _typology_rng(seed, 4)
        bounds = np.array([PROFILE_NATIONAL_SHARE[int(p)] for p in self.profiles])
        drawn_share = rng.uniform(bounds[:, 0], bounds[:, 1])
        lq = np.array(LINKAGE_LQ)
        self.targets = rng.uniform(lq[:, 0], lq[:, 1], size=(n, len(LINKAGE_SETS)))
        self.supplier_share = rng.uniform(*LINKAGE_SUPPLIER_SHARE, size=n)
        self.planted = self.profiles[:, None] >= np.array(LINKAGE_MIN_PROFILE)[None, :]
        self.d0 = np.asarray(district_employees, dtype=float)
        self._plan(drawn_share, self.d0, n_background, io_base)

    # -- sets

    def _prefix_mask(self, prefixes: list[str]) -> np.ndarray:
        mask = np.zeros(self.n_codes, dtype=bool)
        for prefix in prefixes:
            mask |= np.char.startswith(self.codes, prefix)
        return mask

    @staticmethod
    def _machinery_prefixes(system: str, district_codes: list[str]) -> list[list[str]]:
        """The machinery industry serving each main industry's ISTAT group (longest group prefix)."""
        groups = _read_seed("istat_group_codes.csv", system).select("code_prefix", "group_code").rows()
        machinery = _read_seed("machinery_for_groups.csv", system)
        out = []
        for code in district_codes:
            matches = [(len(p), g) for p, g in groups if code.startswith(p)]
            group = max(matches)[1] if matches else None
            out.append(machinery.filter(pl.col("group_code") == group).get_column("code_prefix").to_list())
        return out

    def _suppliers(self, table: pl.DataFrame, column: str, d: int) -> dict[str, float]:
        """Supplier prefix -> coefficient for the district's main industry (own division excluded)."""
        user = str(self.codes[self.main[d]])[: self.prefix_len]
        rows = table.filter(
            (pl.col("user") == user) & (pl.col("supplier") != user) & (pl.col(column) >= D2_SUPPLIER_MIN_COEFFICIENT)
        )
        return dict(zip(rows.get_column("supplier").to_list(), rows.get_column(column).to_list(), strict=True))

    def _sets(self, d: int, suppliers: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """(masks, allocations), each (3, codes): the codes of each set as the warehouse measures it, and
        where planted units of the set go (zero rows where nothing can be planted)."""
        main = np.arange(self.n_codes) == self.main[d]
        coefficient = np.array([suppliers.get(p, 0.0) for p in self.prefix_values])[self.prefix_of]
        supplier_mask = coefficient > 0
        masks = np.stack([supplier_mask, self.machinery[d], self.kibs])
        weights = self.weights
        # Suppliers: classes of the supplier divisions (not KIBS, not the machinery industry, not the
        # main industry, present in the register), by coefficient and then the background's weights.
        plantable = supplier_mask & ~self.kibs & ~self.machinery[d] & ~main & (weights > 0)
        division_total = np.bincount(self.prefix_of, weights=weights * plantable, minlength=self.prefix_values.size)
        supplier = np.where(plantable, coefficient * weights / np.maximum(division_total[self.prefix_of], 1e-300), 0.0)
        machinery = (self.machinery[d] & ~main).astype(float)
        kibs = np.where(self.kibs, weights, 0.0)
        alloc = np.stack([supplier, machinery, kibs])
        total = alloc.sum(axis=1, keepdims=True)
        return masks, np.divide(alloc, total, out=np.zeros_like(alloc), where=total > 0)

    # -- the plan: national shares and linkage targets (fixed over years)

    def _plan(self, drawn_share: np.ndarray, d0: np.ndarray, n_background: int, io_base: pl.DataFrame) -> None:
        size = np.where(
            self.manufacturing, _expected_size(MANUFACTURING_CLASS_SHARES), _expected_size(BACKGROUND_CLASS_SHARES)
        )
        employment = self.weights / self.weights.sum() * size
        background = n_background * employment.sum()
        composition = employment / employment.sum()
        lma_weight = np.bincount(self.area_lma, weights=self.background_area_weights, minlength=self.n_lma)
        lma_weight /= lma_weight.sum()
        area_background = background * lma_weight[self.district_lmas]
        nation = background + d0.sum()
        share = drawn_share.copy()
        for d in range(self.main.size):
            masks, alloc = self._sets(d, self._suppliers(io_base, "base", d))
            active = self.planted[d] & (alloc.sum(axis=1) > 0)
            r = masks.astype(float) @ composition
            overlap = masks.astype(float) @ alloc.T
            for _ in range(20):
                # Expected area employment once the sets reach their LQs, and the share that keeps the
                # main industry's LQ (= share x nation / area) at DISTRICT_PLAN_LQ.
                args = (overlap, r, area_background[d] + d0[d], r * area_background[d], active)
                planted = _solve_district(args[0], self.targets[d], *args[1:], self._bounds(d, d0[d], args))
                need = DISTRICT_PLAN_LQ * (area_background[d] + d0[d] + planted.sum()) / nation
                if need <= MAX_PLAN_SHARE or not active.any() or self.targets[d, active].max() <= 1.05:
                    break
                self._lower(d)
            share[d] = min(max(share[d], need), 0.95)
        self.share = share

    def _bounds(self, d: int, main: float, args: tuple) -> np.ndarray:
        """(floor, cap) of each set's planted employment, for a main industry employing `main`: the cap
        is a share of it, or what the set needs to reach LINKAGE_MIN_LQ (args: _solve_district's
        arguments but the LQs and bounds) where that is more."""
        floor = np.array([self.supplier_share[d] * main, LINKAGE_MIN_EMPLOYEES, LINKAGE_MIN_EMPLOYEES])
        free = np.column_stack([np.zeros(floor.size), np.full(floor.size, np.inf)])
        needed = _solve_district(args[0], np.minimum(self.targets[d], LINKAGE_MIN_LQ), *args[1:], free)
        return np.column_stack([floor, np.maximum.reduce([floor, np.array(LINKAGE_MAX_SHARE) * main, needed])])

    def _lower(self, d: int) -> None:
        """Lower the district's linkage LQ targets and supplier share (a dominant district keeps LQ >= 2)."""
        self.targets[d] = 1 + (self.targets[d] - 1) * 0.8
        self.supplier_share[d] *= 0.8

    # -- the register of one year

    def draw(
        self, rng: np.random.Generator, units: int, firms: np.ndarray, employees: np.ndarray, io_table: pl.DataFrame
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict]:
        """(municipality index, code index, employees, role) of every unit of the year, and a summary."""
        n_districts = self.main.size
        n_background = max(units - int(firms.sum()), units // 2)
        area = _weighted_pick(rng, self.background_area_weights, n_background)
        code = _weighted_pick(rng, self.weights, n_background)
        size = np.where(
            self.manufacturing[code],
            _sizes(rng, n_background, MANUFACTURING_CLASS_SHARES),
            _sizes(rng, n_background, BACKGROUND_CLASS_SHARES),
        )
        parts = [(area, code, size, np.zeros(n_background, dtype=np.int64))]
        district_employees = np.zeros(n_districts, dtype=np.int64)
        for d in range(n_districts):
            members = self.members[d]
            d_area = members[_weighted_pick(rng, self.district_area_weights[members], int(firms[d]))]
            d_size = _district_unit_sizes(rng, int(firms[d]), int(employees[d]))
            district_employees[d] = d_size.sum()
            parts.append((d_area, np.full(d_area.size, self.main[d]), d_size, np.full(d_area.size, self.profiles[d])))
        area, code, size, role = (np.concatenate(p) for p in zip(*parts, strict=True))
        observed = self.observed(size)

        # The rest of each main industry, outside the district's area: its background units, topped up
        # with scattered units (micro and small background units of other industries outside the
        # districts' areas, relabelled: larger ones would make new districts of a few units) or
        # thinned (relabelled to other industries), so that the district holds its planned share of
        # the base year's employment.
        regular = np.flatnonzero(role == 0)
        district_observed = np.bincount(
            np.repeat(np.arange(n_districts), firms), weights=observed[n_background:], minlength=n_districts
        )
        base = self.d0 * district_observed / np.maximum(district_employees, 1)
        classes, class_of = np.unique(self.main, return_inverse=True)
        wanted = np.bincount(class_of, weights=base * (1 / self.share - 1), minlength=classes.size)
        lma = self.area_lma[area]
        national = np.bincount(code[regular], weights=observed[regular], minlength=self.n_codes)
        own = np.bincount(
            lma[regular] * self.n_codes + code[regular], weights=observed[regular], minlength=self.n_lma * self.n_codes
        ).reshape(self.n_lma, self.n_codes)[self.district_lmas, self.main]
        gap = wanted - (national[classes] - np.bincount(class_of, weights=own, minlength=classes.size))
        by_code = regular[np.argsort(code[regular], kind="stable")]
        bounds = np.searchsorted(code[by_code], np.stack([classes, classes + 1]))
        other_weights = self.weights * ~self.is_main
        for k in np.flatnonzero(gap < 0):
            # The smallest units first (in random order among equals); what a last large unit takes
            # too much comes back as scattered units.
            candidates = by_code[bounds[0, k] : bounds[1, k]]
            candidates = candidates[~np.isin(lma[candidates], self.district_lmas[class_of == k])]
            candidates = candidates[rng.permutation(candidates.size)]
            candidates = candidates[np.argsort(size[candidates], kind="stable")]
            ((_, end),) = _take(observed[candidates], [-gap[k]])
            code[candidates[:end]] = _weighted_pick(rng, other_weights, end)
            gap[k] += observed[candidates[:end]].sum()
        eligible = np.flatnonzero(
            (role == 0) & ~self.in_district_area[area] & (size <= SMALL_UNIT_MAX_SIZE) & ~self.is_main[code]
        )
        order = eligible[rng.permutation(eligible.size)]
        scattered = np.maximum(gap, 0.0)
        scattered *= min(1.0, MAX_SCATTERED_SHARE * observed[order].sum() / max(scattered.sum(), 1.0))
        slices = _take(observed[order], scattered)
        for k, (a, b) in enumerate(slices):
            code[order[a:b]] = classes[k]
            role[order[a:b]] = ROLE_SCATTERED
        pool = order[slices[-1][1] :] if slices else order

        # The division of labour: employment of each set solved on the register as drawn, then micro
        # and small background units moved into the district's area under the set's codes.
        cells = np.bincount(
            self.area_lma[area] * self.n_codes + code, weights=observed, minlength=self.n_lma * self.n_codes
        ).reshape(self.n_lma, self.n_codes)
        planted, masks, alloc = self._solve(cells, io_table)
        requests = [(d, s) for d in range(n_districts) for s in range(len(LINKAGE_SETS)) if planted[d, s] > 0]
        wanted = np.array([planted[d, s] for d, s in requests])
        wanted *= min(1.0, MAX_LINKAGE_SHARE * observed[pool].sum() / max(wanted.sum(), 1.0))
        linkage = np.zeros((n_districts, len(LINKAGE_SETS), 2), dtype=np.int64)  # units, employees
        for (d, s), (a, b) in zip(requests, _take(observed[pool], wanted), strict=True):
            idx = pool[a:b]
            members = self.members[d]
            area[idx] = members[_weighted_pick(rng, self.district_area_weights[members], idx.size)]
            code[idx] = rng.choice(self.n_codes, size=idx.size, p=alloc[d, s])
            role[idx] = ROLE_LINKAGE[s]
            linkage[d, s] = idx.size, size[idx].sum()
        self._thin(rng, area, code, role, observed, masks)
        return area, code, size, role, {"district_employees": district_employees, "linkage": linkage}

    def _thin(
        self,
        rng: np.random.Generator,
        area: np.ndarray,
        code: np.ndarray,
        role: np.ndarray,
        observed: np.ndarray,
        masks: np.ndarray,
    ) -> None:
        """A set the profile does not plant stays below 1 in the district's area: where the background
        puts it above THIN_MAX_LQ, background units of the set move out to areas without a district."""
        lma = self.area_lma[area]
        cells = np.bincount(lma * self.n_codes + code, weights=observed, minlength=self.n_lma * self.n_codes)
        cells = cells.reshape(self.n_lma, self.n_codes)
        national = cells.sum(axis=0)
        nation = national.sum()
        outside = self.background_area_weights * ~self.in_district_area
        for d in range(self.main.size):
            row = cells[self.district_lmas[d]]
            total = row.sum()
            movable = masks[d].astype(bool) & (np.arange(self.n_codes) != self.main[d])
            for s in np.flatnonzero(~self.planted[d] & movable.any(axis=1)):
                bound = THIN_MAX_LQ * (masks[d, s] @ national) / nation
                excess = (movable[s] @ row - bound * total) / (1 - bound)
                if excess <= 0:
                    continue
                candidates = np.flatnonzero((lma == self.district_lmas[d]) & (role == 0) & movable[s][code])
                candidates = candidates[rng.permutation(candidates.size)]
                ((a, b),) = _take(observed[candidates], [excess])
                idx = candidates[a:b]
                area[idx] = _weighted_pick(rng, outside, idx.size)
                np.subtract.at(row, code[idx], observed[idx])
                total = row.sum()

    def _solve(self, cells: np.ndarray, io_table: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Employment to plant in each district's area for each set (districts x 3) so that the set's LQ
        reaches its target (suppliers: at least their share of the main industry), with the sets'
        masks and allocations (districts x 3 x codes)."""
        n = self.main.size
        national = cells.sum(axis=0)
        nation = national.sum()
        rows = cells[self.district_lmas]
        area_total = rows.sum(axis=1)
        masks = np.zeros((n, len(LINKAGE_SETS), self.n_codes))
        alloc = np.zeros_like(masks)
        for d in range(n):
            masks[d], alloc[d] = self._sets(d, self._suppliers(io_table, "coefficient", d))
        active = self.planted & (alloc.sum(axis=2) > 0)
        local = np.einsum("dc,dsc->ds", rows, masks)
        overlap = np.einsum("dsc,dtc->dst", masks, alloc)  # share of set t's planting that counts in set s
        main_local = rows[np.arange(n), self.main]
        planted = np.zeros((n, len(LINKAGE_SETS)))
        plan = self.targets.copy(), self.supplier_share.copy()  # what _lower changes holds for this year only
        for _ in range(30):
            # National employment once the planted units have moved (they leave the background pro rata).
            nat = national * (1 - planted.sum() / nation) + np.einsum("ds,dsc->c", planted, alloc)
            ratio = np.einsum("dsc,c->ds", masks, nat) / nation
            for d in np.flatnonzero(active.any(axis=1)):
                args = (overlap[d], ratio[d], area_total[d], local[d], active[d])
                planted[d] = _solve_district(args[0], self.targets[d], *args[1:], self._bounds(d, main_local[d], args))
                main_lq = main_local[d] / (area_total[d] + planted[d].sum()) / (nat[self.main[d]] / nation)
                if main_lq < DISTRICT_MIN_LQ and self.targets[d, active[d]].max() > 1.05:
                    self._lower(d)
        self.targets, self.supplier_share = plan
        return planted, masks, alloc


def _solve_district(
    overlap: np.ndarray,
    lq: np.ndarray,
    ratio: np.ndarray,
    area_total: float,
    local: np.ndarray,
    active: np.ndarray,
    bounds: np.ndarray,
) -> np.ndarray:
    """Employment P_s to plant for each active set s so that (local_s + sum_t overlap_st P_t) /
    (area_total + sum_t P_t) = lq_s x ratio_s, within bounds (sets x 2: floor, cap). A set already
    above its target gets its floor; one that would need more than its cap gets its cap."""
    planted = np.zeros(lq.size)
    fixed = ~active
    for _ in range(lq.size + 1):
        free = np.flatnonzero(~fixed)
        if free.size == 0:
            break
        held = np.flatnonzero(fixed)
        lr = lq[free] * ratio[free]
        matrix = overlap[np.ix_(free, free)] - lr[:, None]
        rhs = lr * (area_total + planted[held].sum()) - local[free] - overlap[np.ix_(free, held)] @ planted[held]
        planted[free] = np.linalg.solve(matrix, rhs)
        outside = free[(planted[free] < bounds[free, 0]) | (planted[free] > bounds[free, 1])]
        if outside.size == 0:
            break
        planted[outside] = np.clip(planted[outside], bounds[outside, 0], bounds[outside, 1])
        fixed[outside] = True
    return np.where(active, planted, 0.0)


def _district_records(
    lma_codes, district_lmas, district_codes, firms, plan: _DivisionOfLabour, summary, placement=None
) -> list[dict]:
    """GENERATED.json's planted districts: the area (Italy: with the SLL's name, its ISTAT group and
    whether the group matches the industry), the first year's counts, the profile and what it planted."""
    return [
        {
            "lma_code": lma_codes[district_lmas[d]],
            **(placement[d] if placement else {}),
            "industry_code": district_codes[d],
            "firms": int(firms[d]),
            "employees": int(summary["district_employees"][d]),
            "capability_profile": int(plan.profiles[d]),
            "national_share_target": round(float(plan.share[d]), 3),
            "division_of_labour": {
                name: {"units": int(summary["linkage"][d, s, 0]), "employees": int(summary["linkage"][d, s, 1])}
                for s, name in enumerate(LINKAGE_SETS)
            },
        }
        for d in range(len(district_codes))
    ]


def _band_estimates() -> np.ndarray:
    """DENUE's band -> the warehouse's employee estimate (raw/reference/employment_bands), in MX_BANDS order."""
    bands = pl.read_csv(REFERENCE_DIR / "employment_bands" / "employment_bands.csv", infer_schema=False)
    estimate = dict(
        bands.filter(pl.col("band_system") == "DENUE").select("band_text", pl.col("estimate").cast(pl.Float64)).rows()
    )
    return np.array([estimate[label] for _, label in MX_BANDS])


def _export_ratio(rng: np.random.Generator, role: np.ndarray, manufacturing: np.ndarray) -> np.ndarray:
    """Italy: exports as a share of each unit's turnover, by role."""
    n = role.size
    ratio = np.where(
        manufacturing,
        np.clip(rng.beta(1.2, 2.5, size=n), 0, 0.95),
        np.clip(rng.beta(0.3, 6.0, size=n), 0, 0.5),
    )
    for r, (a, b) in [*PROFILE_EXPORT_BETA.items(), (ROLE_SCATTERED, SCATTERED_EXPORT_BETA)]:
        idx = np.flatnonzero(role == r)
        ratio[idx] = np.clip(rng.beta(a, b, size=idx.size), 0, 0.95)
    return ratio


def _productivity(role: np.ndarray) -> np.ndarray:
    factor = np.ones(max(ROLE_LINKAGE) + 1)
    for profile, value in PROFILE_PRODUCTIVITY.items():
        factor[profile] = value
    return factor[role]


GENERATORS = {"IT": generate_italy, "MX": generate_mexico}


def generate(country: str, units: int, years: list[int], seed: int, out: Path) -> GenerationReport:
    try:
        generator = GENERATORS[country.upper()]
    except KeyError:
        raise ValueError(f"no generator for country {country!r}; use one of {', '.join(GENERATORS)}") from None
    if units < 1000:
        raise ValueError("--units must be at least 1,000")
    report = generator(units, sorted(years), seed, Path(out))
    manifest = Path(out) / country.lower() / "GENERATED.json"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_text(
        json.dumps(
            {
                "synthetic": True,
                "generator": "crosscluster generate",
                "country": country.upper(),
                "units_requested": units,
                "seed": seed,
                "years": sorted(years),
                "units": report.units,
                "employees": report.employees,
                "planted_districts": report.districts,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    return report
