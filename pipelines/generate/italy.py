"""Italy: an ISTAT-style register of local units on the real ISTAT municipalities, ISTAT's local
labour systems (SLL) 2021 and ATECO 2007, with exports, bank branches, population and the typology
inputs. Each planted district sits in a real SLL whose ISTAT specialisation group matches its
industry (see ``_place_districts``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from pipelines.bundle_reference import read_sll_composition
from pipelines.generate.calibration import Calibration
from pipelines.generate.common import (
    GenerationReport,
    _district_count,
    _district_sizes,
    _district_year,
    _read_seed,
    _sector_weights,
    _write,
)
from pipelines.generate.division_of_labour import (
    ROLE_LINKAGE,
    ROLE_SCATTERED,
    _district_records,
    _DivisionOfLabour,
)
from pipelines.generate.typology import _io_structure, _Layout, _TypologyInputs, capability_profiles
from pipelines.paths import REFERENCE_DIR

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


# Typology inputs: real links of input-output tables (supplier division -> user division), ATECO 2007.
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
# Innovation: rights per 1,000 employees in manufacturing (patents, trademarks, designs); order of
# magnitude of national and European filings by residents over manufacturing employment [O].
IT_INNOVATION_RATES = (2.5, 6.0, 2.0)
# Skilled share (ISCO-08 major groups 2 and 3) by sector; manufacturing about 0.25.
IT_SKILLED_SHARES = {
    "A": 0.05, "B": 0.20, "C": 0.25, "D": 0.45, "E": 0.20, "F": 0.12, "G": 0.18, "H": 0.15,
    "I": 0.08, "J": 0.60, "K": 0.60, "L": 0.40, "M": 0.65, "N": 0.20, "O": 0.50, "P": 0.70,
    "Q": 0.55, "R": 0.30, "S": 0.20, "T": 0.05, "U": 0.50,
}  # fmt: skip
# Annual gross wage per worker (Italy, euro): the wage bill follows the skill mix.
IT_WAGES = {"skilled": 38_000.0, "other": 24_000.0}
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


# Exports: a district unit's export share of turnover (Beta parameters; means 0.03, 0.20, 0.29, 0.71),
# scattered units' (mean 0.08) and turnover per employee against the background.
PROFILE_EXPORT_BETA = {1: (0.5, 14.0), 2: (1.5, 6.0), 3: (2.0, 5.0), 4: (6.0, 2.5)}
SCATTERED_EXPORT_BETA = (0.5, 5.5)
PROFILE_PRODUCTIVITY = {1: 0.9, 2: 1.0, 3: 1.1, 4: 1.25}


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


def generate_italy(units: int, years: list[int], seed: int, out: Path, cal: Calibration) -> GenerationReport:
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

    n_districts = _district_count(units)
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
    d_firms, d_employees = _district_sizes(rng, n_districts, cal)
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
        cal,
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
        firms_t, employees_t = _district_year(d_firms, d_employees, t, cal.district_min_firms)
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
