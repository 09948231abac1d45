"""Mexico: a DENUE-layout register of establishments on the real INEGI municipalities and SCIAN, with
exports by HS product, national imports, bank branches, INEGI's real 2020 population, a synthetic
municipality -> labour-market-area map and the typology inputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.generate.calibration import Calibration
from pipelines.generate.common import (
    GenerationReport,
    _district_count,
    _district_sizes,
    _district_year,
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


# Typology inputs: real links of input-output tables (supplier subsector -> user subsector), SCIAN.
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
# Innovation: rights per 1,000 employees in manufacturing (patents, trademarks, designs) [O].
MX_INNOVATION_RATES = (0.2, 2.5, 0.4)
# Skilled share (ISCO-08 major groups 2 and 3) by sector; manufacturing about 0.25.
MX_SKILLED_SHARES = {
    "11": 0.05, "21": 0.20, "22": 0.45, "23": 0.12, "31-33": 0.25, "43": 0.18, "46": 0.12,
    "48-49": 0.12, "51": 0.55, "52": 0.55, "53": 0.30, "54": 0.65, "55": 0.50, "56": 0.15,
    "61": 0.70, "62": 0.50, "71": 0.20, "72": 0.06, "81": 0.12, "93": 0.50,
}  # fmt: skip
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


# Exports: the probability that a manufacturing unit exports, by role (background 0.25).
MX_EXPORTING = {0: 0.25, 1: 0.03, 2: 0.25, 3: 0.40, 4: 0.75, ROLE_SCATTERED: 0.05}
# Mexico's imports lean on intermediate and capital goods: mean import value per HS6 product by ISIC
# division, as a multiple of the overall mean (synthetic, for partner-matching M4).
MX_IMPORT_DIVISION_WEIGHT = {"13": 3.0, "20": 3.0, "22": 2.5, "24": 2.5, "26": 4.0, "27": 3.0, "28": 4.0, "29": 3.0}


def _scian_sector(code: str) -> str:
    two = code[:2]
    return {"31": "31-33", "32": "31-33", "33": "31-33", "48": "48-49", "49": "48-49"}.get(two, two)


def _band(size: np.ndarray) -> np.ndarray:
    uppers = np.array([u for u, _ in MX_BANDS])
    labels = np.array([label for _, label in MX_BANDS], dtype=object)
    return labels[np.searchsorted(uppers, size, side="left")]


def _band_estimates() -> np.ndarray:
    """DENUE's band -> the warehouse's employee estimate (raw/reference/employment_bands), in MX_BANDS order."""
    bands = pl.read_csv(REFERENCE_DIR / "employment_bands" / "employment_bands.csv", infer_schema=False)
    estimate = dict(
        bands.filter(pl.col("band_system") == "DENUE").select("band_text", pl.col("estimate").cast(pl.Float64)).rows()
    )
    return np.array([estimate[label] for _, label in MX_BANDS])


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


def generate_mexico(units: int, years: list[int], seed: int, out: Path, cal: Calibration) -> GenerationReport:
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

    n_districts = _district_count(units)
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
    d_firms, d_employees = _district_sizes(rng, n_districts, cal)
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
        cal,
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
        firms_t, employees_t = _district_year(d_firms, d_employees, t, cal.district_min_firms)
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
