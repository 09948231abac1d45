"""The synthetic registers: same seed, same bytes; calibrated sizes; planted districts; calibrated
from the rule set."""

from __future__ import annotations

import csv
import hashlib
import json
import math
from statistics import NormalDist

import numpy as np
import polars as pl
import pytest

from pipelines.generate import Calibration, common, generate, italy
from pipelines.generate.italy import _place_districts
from pipelines.paths import DEFAULT_RULE_SET_FILE, REFERENCE_DIR, SAMPLE_RAW_DIR
from pipelines.rules import load_rule_set

SLL_DIR = REFERENCE_DIR / "istat_sll"


def _it_sll() -> pl.DataFrame:
    """Municipality (code of the bundled list) -> SLL 2021, from the reference files: directly, or
    through the code bridge for the list's older codes."""
    sll = pl.read_csv(SLL_DIR / "sll2021_comuni.csv", infer_schema=False).select(
        pl.col("PRO_COM_T").alias("codice_comune"), pl.col("COD_SLL").alias("codice_sll")
    )
    bridge = pl.read_csv(SLL_DIR / "comuni_code_bridge.csv", infer_schema=False)
    bridged = bridge.join(sll, left_on="new_area_code", right_on="codice_comune").select(
        pl.col("area_code").alias("codice_comune"), "codice_sll"
    )
    return pl.concat([sll, bridged])


def _digests(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("country", ["IT", "MX"])
def test_same_seed_same_bytes(tmp_path, country):
    generate(country, 5000, [2020, 2021], 42, tmp_path / "a")
    generate(country, 5000, [2020, 2021], 42, tmp_path / "b")
    generate(country, 5000, [2020, 2021], 43, tmp_path / "c")
    a, b, c = _digests(tmp_path / "a"), _digests(tmp_path / "b"), _digests(tmp_path / "c")
    assert a == b
    assert len(a) >= 10
    assert a != c


def test_italian_register_is_calibrated_to_the_2011_structure(tmp_path):
    report = generate("IT", 600_000, [2021], 5, tmp_path)
    units = pl.read_csv(
        tmp_path / "it" / "asia_ul" / "2021" / "unita_locali_2021.csv",
        separator=";",
        encoding="utf8",
        schema_overrides={"codice_comune": pl.String, "addetti": pl.Int64},
    )
    size = units.get_column("addetti").to_numpy()
    assert units.height == 600_000
    # Italy 2011: 16.4 million employees in 4.4 million local units (3.73 per unit): within 10 %.
    assert size.mean() == pytest.approx(16.4 / 4.4, rel=0.10)
    # About 95 % of local units are micro units (fewer than 10 persons).
    assert (size < 10).mean() == pytest.approx(0.95, abs=0.015)
    assert (size >= 250).mean() < 0.003
    # Municipality codes keep their leading zeros; every code is a real ISTAT municipality.
    assert units.get_column("codice_comune").str.len_chars().unique().to_list() == [6]
    assert report.employees[2021] == int(size.sum())


def test_planted_districts_follow_the_deck_size_facts(tmp_path):
    report = generate("IT", 4_400_000 // 10, [2021], 9, tmp_path)  # the structure is scale-free
    firms = np.array([d["firms"] for d in report.districts])
    report_mx = generate("MX", 4_400_000 // 10, [2021], 9, tmp_path)
    firms = np.concatenate([firms, [d["firms"] for d in report_mx.districts]])
    employees = np.array([d["employees"] for d in report.districts + report_mx.districts])
    assert len(firms) >= 20
    # Deck: about half over 200 firms, 30 % over 600; half under 5,000 employees, 30 % over 20,000.
    assert (firms > 200).mean() == pytest.approx(0.5, abs=0.2)
    assert (firms > 600).mean() == pytest.approx(0.3, abs=0.2)
    assert (employees < 5000).mean() == pytest.approx(0.5, abs=0.2)
    assert (employees > 20000).mean() == pytest.approx(0.3, abs=0.2)


def test_mexican_register_uses_real_municipalities_and_bands(tmp_path):
    generate("MX", 20_000, [2021], 3, tmp_path)
    denue = pl.read_csv(tmp_path / "mx" / "denue" / "2021" / "denue_2021.csv", infer_schema=False)
    municipios = json.loads((REFERENCE_DIR / "inegi_municipios" / "municipios_completo.json").read_text("utf-8"))
    real = {m["cve_completa"] for m in municipios}
    assert set(denue.get_column("clee").str.slice(0, 5).unique().to_list()) <= real
    assert set(denue.get_column("per_ocu").unique().to_list()) <= {
        "0 a 5 personas",
        "6 a 10 personas",
        "11 a 30 personas",
        "31 a 50 personas",
        "51 a 100 personas",
        "101 a 250 personas",
        "251 y más personas",
    }
    manifest = json.loads((tmp_path / "mx" / "GENERATED.json").read_text())
    assert manifest["synthetic"] is True and manifest["units"]["2021"] == denue.height


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="no generator for country 'BR'"):
        generate("BR", 5000, [2021], 1, tmp_path)
    with pytest.raises(ValueError, match="at least 1,000"):
        generate("IT", 10, [2021], 1, tmp_path)


# ---------------------------------------------------------------- typology inputs (D2, D4, D6, D7)

TYPOLOGY_FILES = {
    "IT": [
        "it/io/{y}/coefficienti_io_{y}.csv",
        "it/innovation/{y}/brevetti_marchi_disegni_{y}.csv",
        "it/workforce/{y}/addetti_qualifiche_{y}.csv",
        "it/institutions/{y}/istituzioni_{y}.csv",
    ],
    "MX": [
        "mx/io/{y}/coeficientes_mip_{y}.csv",
        "mx/innovation/{y}/propiedad_industrial_{y}.csv",
        "mx/workforce/{y}/personal_ocupado_{y}.csv",
        "mx/institutions/{y}/instituciones_{y}.csv",
    ],
}
SEPARATOR = {"IT": ";", "MX": ","}


def _read(folder, country, relative):
    return pl.read_csv(folder / relative, separator=SEPARATOR[country], infer_schema=False, encoding="utf8-lossy")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """One small IT and MX sample over two years, shared by the typology-input tests."""
    folder = tmp_path_factory.mktemp("typology")
    reports = {c: generate(c, 8000, [2020, 2021], 11, folder) for c in ("IT", "MX")}
    return folder, reports


@pytest.mark.parametrize("country", ["IT", "MX"])
def test_typology_inputs_same_seed_same_bytes(tmp_path, country):
    generate(country, 5000, [2020, 2021], 42, tmp_path / "a")
    generate(country, 5000, [2020, 2021], 42, tmp_path / "b")
    a, b = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    new = [p.format(y=y) for p in TYPOLOGY_FILES[country] for y in (2020, 2021)]
    assert set(new) <= set(a)
    assert {p: a[p] for p in new} == {p: b[p] for p in new}


@pytest.mark.parametrize("country", ["IT", "MX"])
def test_input_output_coefficients_are_in_range(generated, country):
    folder, _ = generated
    io = _read(folder, country, TYPOLOGY_FILES[country][0].format(y=2021))
    supplier, user, value = io.columns
    io = io.with_columns(pl.col(value).cast(pl.Float64))
    assert io.get_column(value).min() >= 0.005 and io.get_column(value).max() <= 0.25
    assert io.select(supplier, user).is_duplicated().sum() == 0
    per_user = io.group_by(user).agg(pl.col(supplier), pl.col(value).sum().alias("total"))
    if country == "IT":
        assert sorted(per_user.get_column(user).to_list()) == [f"{d}" for d in range(10, 34)]
        links = [("13", "14"), ("15", "15"), ("20", "22"), ("16", "31"), ("24", "25")]
    else:
        assert {u[:2] for u in per_user.get_column(user).to_list()} == {"31", "32", "33"}
        links = [("313", "315"), ("316", "316"), ("325", "326"), ("321", "337"), ("331", "332")]
    for row in per_user.iter_rows(named=True):
        assert 3 <= len(row[supplier]) <= 8
        assert row[user] in row[supplier]  # its own division
        assert row["total"] < 1.0
    pairs = set(io.select(supplier, user).iter_rows())
    assert set(links) <= pairs


def test_workforce_equals_the_register_by_municipality_and_class(generated):
    folder, reports = generated
    for year in (2020, 2021):
        units = _read(folder, "IT", f"it/asia_ul/{year}/unita_locali_{year}.csv")
        register = units.group_by("codice_comune", pl.col("ateco_2007").str.slice(0, 5)).agg(
            pl.col("addetti").cast(pl.Int64).sum().alias("register")
        )
        workforce = _read(folder, "IT", TYPOLOGY_FILES["IT"][2].format(y=year)).with_columns(
            pl.col("addetti", "addetti_qualificati", "monte_salari").cast(pl.Int64)
        )
        joined = register.join(workforce, on=["codice_comune", "ateco_2007"], how="full", coalesce=True)
        assert joined.height == register.height == workforce.height
        assert (joined.get_column("register") == joined.get_column("addetti")).all()
        assert (workforce.get_column("addetti_qualificati") <= workforce.get_column("addetti")).all()
        assert (workforce.get_column("monte_salari") > 0).all()
        # Outside the planted districts, about a quarter of manufacturing workers are skilled.
        lma = _it_sll()
        district_lmas = [d["lma_code"] for d in reports["IT"].districts]
        manufacturing = workforce.join(lma, on="codice_comune").filter(
            pl.col("ateco_2007").str.slice(0, 2).cast(pl.Int32).is_between(10, 33)
            & ~pl.col("codice_sll").is_in(district_lmas)
        )
        share = manufacturing.get_column("addetti_qualificati").sum() / manufacturing.get_column("addetti").sum()
        assert share == pytest.approx(0.25, abs=0.03)

        # Mexico's register gives bands only: the workers of a cell lie within its bands' bounds.
        denue = _read(folder, "MX", f"mx/denue/{year}/denue_{year}.csv")
        bounds = (
            denue.with_columns(
                pl.col("clee").str.slice(0, 5).alias("cve_mun"),
                pl.col("clee").str.slice(5, 6).alias("scian"),
                pl.col("per_ocu").str.extract(r"^(\d+)").cast(pl.Int64).alias("lower"),
                pl.col("per_ocu").str.extract(r" a (\d+) ").cast(pl.Int64).fill_null(10**9).alias("upper"),
            )
            .group_by("cve_mun", "scian")
            .agg(pl.col("lower").sum(), pl.col("upper").sum())
        )
        mx = _read(folder, "MX", TYPOLOGY_FILES["MX"][2].format(y=year)).with_columns(
            pl.col("personal_ocupado", "personal_calificado").cast(pl.Int64)
        )
        joined = bounds.join(mx, on=["cve_mun", "scian"], how="full", coalesce=True)
        assert joined.height == bounds.height == mx.height
        assert (
            joined.select(
                (pl.col("personal_ocupado") >= pl.col("lower")) & (pl.col("personal_ocupado") <= pl.col("upper"))
            )
            .to_series()
            .all()
        )
        assert mx.get_column("personal_ocupado").sum() == reports["MX"].employees[year]


@pytest.mark.parametrize("country", ["IT", "MX"])
def test_every_capability_profile_is_planted(generated, country):
    folder, reports = generated
    manifest = json.loads((folder / country.lower() / "GENERATED.json").read_text())
    profiles = [d["capability_profile"] for d in manifest["planted_districts"]]
    assert len(profiles) >= 4
    assert set(profiles) == {1, 2, 3, 4}
    assert profiles == [d["capability_profile"] for d in reports[country].districts]


@pytest.mark.parametrize("country", ["IT", "MX"])
def test_institutions_follow_the_capability_profile(generated, country):
    folder, reports = generated
    if country == "IT":
        area, code = "codice_comune", "ateco_2007"
        lma = _it_sll().select(pl.col(area), pl.col("codice_sll").alias("lma"))
    else:
        area, code = "cve_mun", "scian"
        lma = _read(folder, country, "mx/lma/municipios_zonas.csv").select(
            pl.col(area), pl.col("cve_zona").alias("lma")
        )
    institutions = _read(folder, country, TYPOLOGY_FILES[country][3].format(y=2021)).join(lma, on=area)
    kind_col, labelled_col = institutions.columns[3], institutions.columns[4]
    labelled_true = "S" if country == "IT" else "1"
    assert institutions.get_column(institutions.columns[1]).is_unique().all()
    seen_profile_4 = 0
    for district in reports[country].districts:
        own = institutions.filter(
            (pl.col("lma") == district["lma_code"]) & pl.lit(district["industry_code"]).str.starts_with(pl.col(code))
        )
        kinds = set(own.get_column(kind_col).to_list())
        profile = district["capability_profile"]
        if profile == 1:
            assert own.height == 0
        elif profile == 2:
            assert kinds == {"associazione" if country == "IT" else "camara"}
        elif profile == 3:
            assert len(kinds) == 2 and "cluster" not in kinds
        else:
            seen_profile_4 += 1
            clusters = own.filter(pl.col(kind_col) == "cluster")
            assert clusters.height == 1
            assert clusters.get_column(labelled_col).to_list() == [labelled_true]
            assert clusters.get_column(code).to_list() == [district["industry_code"]]
        # All of a district's institutions sit in one municipality of its labour-market area.
        assert own.get_column(area).n_unique() <= 1
    assert seen_profile_4 >= 1
    # Only cluster organisations are labelled; background associations sit outside the districts.
    assert set(institutions.filter(pl.col(labelled_col) == labelled_true).get_column(kind_col)) == {"cluster"}
    district_lmas = {d["lma_code"] for d in reports[country].districts}
    assert institutions.filter(~pl.col("lma").is_in(district_lmas)).height >= 4


# ---------------------------------------------------------------- division of labour and national share

SEEDS = REFERENCE_DIR.parents[1] / "dbt_project" / "seeds"
SYSTEM = {"IT": "ATECO2007", "MX": "SCIAN2018"}
UNITS = {"IT": 300_000, "MX": 200_000}


@pytest.fixture(scope="module")
def registers(tmp_path_factory):
    """Registers where the planted districts are not most of the economy (as they can be in the
    bundled sample's small registers), read back as (municipality, labour-market area, code,
    employees as the warehouse counts them)."""
    folder = tmp_path_factory.mktemp("division")
    reports = {
        "IT": generate("IT", UNITS["IT"], [2021], 7, folder),
        "MX": generate("MX", UNITS["MX"], [2021], 7, folder),
    }
    it = _read(folder, "IT", "it/asia_ul/2021/unita_locali_2021.csv").select(
        pl.col("codice_comune").alias("area"),
        pl.col("ateco_2007").str.slice(0, 5).alias("code"),
        pl.col("addetti").cast(pl.Float64).alias("employees"),
        pl.col("fatturato").cast(pl.Float64).alias("turnover"),
        pl.col("fatturato_export").cast(pl.Float64).alias("exports"),
    )
    it_lma = _it_sll().select(pl.col("codice_comune").alias("area"), pl.col("codice_sll").alias("lma"))
    # Mexico: the employees the warehouse estimates from DENUE's bands.
    bands = pl.read_csv(REFERENCE_DIR / "employment_bands" / "employment_bands.csv", infer_schema=False).filter(
        pl.col("band_system") == "DENUE"
    )
    mx = (
        _read(folder, "MX", "mx/denue/2021/denue_2021.csv")
        .join(bands.select(pl.col("band_text").alias("per_ocu"), "estimate"), on="per_ocu")
        .select(
            pl.col("clee").str.slice(0, 5).alias("area"),
            pl.col("clee").str.slice(5, 6).alias("code"),
            pl.col("estimate").cast(pl.Float64).alias("employees"),
        )
    )
    mx_lma = _read(folder, "MX", "mx/lma/municipios_zonas.csv").select(
        pl.col("cve_mun").alias("area"), pl.col("cve_zona").alias("lma")
    )
    units = {"IT": it.join(it_lma, on="area"), "MX": mx.join(mx_lma, on="area")}
    io = {
        "IT": _read(folder, "IT", TYPOLOGY_FILES["IT"][0].format(y=2021)).rename(
            {"divisione_fornitrice": "supplier", "divisione_utilizzatrice": "user", "coefficiente": "coefficient"}
        ),
        "MX": _read(folder, "MX", TYPOLOGY_FILES["MX"][0].format(y=2021)).rename(
            {"subsector_origen": "supplier", "subsector_destino": "user", "coeficiente": "coefficient"}
        ),
    }
    return reports, units, io


def _set_lq(units: pl.DataFrame, lma: str, prefixes: list[str]) -> float | None:
    """LQ of the codes starting with any of the prefixes in the labour-market area (None when the
    codes have no employment in the country)."""
    in_set = pl.any_horizontal([pl.col("code").str.starts_with(p) for p in prefixes])
    area = units.filter(pl.col("lma") == lma)
    local = area.filter(in_set).get_column("employees").sum() / area.get_column("employees").sum()
    national = units.filter(in_set).get_column("employees").sum() / units.get_column("employees").sum()
    return local / national if national > 0 else None


def _machinery(system: str, code: str) -> list[str]:
    groups = pl.read_csv(SEEDS / "istat_group_codes.csv", infer_schema=False).filter(
        pl.col("industry_system") == system
    )
    matching = [(len(p), g) for p, g in groups.select("code_prefix", "group_code").rows() if code.startswith(p)]
    if not matching:
        return []
    machinery = pl.read_csv(SEEDS / "machinery_for_groups.csv", infer_schema=False).filter(
        (pl.col("industry_system") == system) & (pl.col("group_code") == max(matching)[1])
    )
    return machinery.get_column("code_prefix").to_list()


@pytest.fixture(scope="module")
def rules():
    return load_rule_set()


@pytest.mark.parametrize("country", ["IT", "MX"])
def test_planted_districts_hold_part_of_their_industry_and_stay_districts(registers, rules, country):
    reports, units, _ = registers
    assert reports[country].units[2021] == UNITS[country]
    total = units[country].get_column("employees").sum()
    shares = []
    for district in reports[country].districts:
        main = units[country].filter(pl.col("code") == district["industry_code"])
        local = main.filter(pl.col("lma") == district["lma_code"])
        area_total = units[country].filter(pl.col("lma") == district["lma_code"]).get_column("employees").sum()
        share = local.get_column("employees").sum() / main.get_column("employees").sum()
        lq = (local.get_column("employees").sum() / area_total) / (main.get_column("employees").sum() / total)
        shares.append(share)
        # Still a district by the identification's thresholds of the rule set (LQ, units, employees) ...
        assert lq >= rules["district_min_lq"], district
        assert local.height >= rules["district_min_establishments"], district
        assert local.get_column("employees").sum() >= rules["district_min_employees"], district
        # ... and no longer the whole of its industry: the rest are scattered units elsewhere.
        assert 0.3 <= share <= 0.85, district
    assert np.mean(shares) <= 0.7


@pytest.mark.parametrize("country", ["IT", "MX"])
def test_division_of_labour_follows_the_capability_profile(registers, rules, country):
    reports, units, io = registers
    kibs = (
        pl.read_csv(SEEDS / "kibs_codes.csv", infer_schema=False)
        .filter(pl.col("industry_system") == SYSTEM[country])
        .get_column("code_prefix")
        .to_list()
    )
    width = 2 if country == "IT" else 3
    for district in reports[country].districts:
        profile, code, lma = district["capability_profile"], district["industry_code"], district["lma_code"]
        suppliers = (
            io[country]
            .filter(
                (pl.col("user") == code[:width])
                & (pl.col("supplier") != code[:width])
                & (pl.col("coefficient").cast(pl.Float64) >= rules["typology_d2_supplier_min_coefficient"])
            )
            .get_column("supplier")
            .to_list()
        )
        supplier_lq = _set_lq(units[country], lma, suppliers)
        kibs_lq = _set_lq(units[country], lma, kibs)
        assert (supplier_lq > 1.1) if profile >= 2 else (supplier_lq < 1), (district, supplier_lq)
        assert (kibs_lq > 1.1) if profile >= 3 else (kibs_lq < 1), (district, kibs_lq)
        machinery = [p for p in _machinery(SYSTEM[country], code) if not code.startswith(p)]
        if machinery:
            machinery_lq = _set_lq(units[country], lma, machinery)
            if profile >= 3:
                assert machinery_lq is not None and machinery_lq > 1.1, (district, machinery_lq)
            else:  # absent from the country (no LQ) or below 1 in the area
                assert machinery_lq is None or machinery_lq < 1, (district, machinery_lq)
        planted = district["division_of_labour"]
        assert (planted["suppliers"]["employees"] > 0) == (profile >= 2)
        assert (planted["kibs"]["employees"] > 0) == (profile >= 3)


def test_exports_follow_the_capability_profile(registers):
    reports, units, _ = registers
    for district in reports["IT"].districts:
        local = units["IT"].filter(
            (pl.col("lma") == district["lma_code"]) & (pl.col("code") == district["industry_code"])
        )
        share = local.get_column("exports").sum() / local.get_column("turnover").sum()
        if district["capability_profile"] == 1:
            assert share < 0.10, district
        elif district["capability_profile"] == 4:
            assert share >= 0.40, district


# ---------------------------------------------------------------- districts in ISTAT's SLL 2021


def _sll_groups() -> dict[str, tuple[str, str, str]]:
    """SLL 2021 code -> (name, ISTAT specialisation class, group), from the reference files."""
    names = dict(
        pl.read_csv(SLL_DIR / "sll2021_comuni.csv", infer_schema=False).select("COD_SLL", "DEN_SLL").unique().rows()
    )
    groups = pl.read_csv(SLL_DIR / "sll2021_specializzazione.csv", infer_schema=False)
    return {
        code: (names[code], klass, group)
        for code, klass, group in groups.select("SLL_2021_T", "Cod_classe", "Cod_gruppo").rows()
    }


def _groups_of(industry_code: str) -> set[str]:
    """The ISTAT groups one of whose ATECO prefixes (seed istat_sll_specialisation_codes) begins the code."""
    rules = pl.read_csv(SEEDS / "istat_sll_specialisation_codes.csv", infer_schema=False).filter(
        pl.col("industry_system") == "ATECO2007"
    )
    return {g for p, g in rules.select("code_prefix", "specialisation_group").rows() if industry_code.startswith(p)}


def test_bundled_italian_districts_sit_in_real_slls_of_their_istat_group():
    manifest = json.loads((SAMPLE_RAW_DIR / "it" / "GENERATED.json").read_text())
    slls = _sll_groups()
    districts = manifest["planted_districts"]
    assert len(districts) >= 6
    assert len({d["lma_code"] for d in districts}) == len(districts)
    for district in districts:
        assert district["lma_code"] in slls, district  # a real SLL 2021 code (COD_SLL)
        name, _, group = slls[district["lma_code"]]
        assert (district["lma_name"], district["istat_group"]) == (name, group), district
        assert group in _groups_of(district["industry_code"]), district
        assert district["istat_group_matches"] is True
    # The municipality -> SLL map is reference data: the sample has no synthetic one.
    assert not (SAMPLE_RAW_DIR / "it" / "lma").exists()


def test_district_placement_falls_back_in_order_when_a_group_runs_out():
    # Two textile SLLs (A2) for four textile districts: then class A, then class B, then any SLL.
    klass = ["C", "A", "B", "A", "A"]
    group = ["C1", "A2", "B3", "A3", "A2"]
    codes = ["13.20", "14.13", "13.10", "14.39", "13.20"]
    places, matches = _place_districts(np.random.default_rng(1), codes, klass, group)
    assert sorted(places[:2].tolist()) == [1, 4] and matches[:2] == [True, True]
    assert places[2:].tolist() == [3, 2, 0] and matches[2:] == [False, False, False]
    again, _ = _place_districts(np.random.default_rng(1), codes, klass, group)
    assert again.tolist() == places.tolist()
    with pytest.raises(ValueError, match="more planted districts"):
        _place_districts(np.random.default_rng(1), codes * 2, klass, group)


def test_register_records_districts_placed_outside_their_group(tmp_path, monkeypatch):
    # Ten jewellery districts (group A5, 8 SLLs): two fall back to other "Made in Italy" SLLs (class A).
    monkeypatch.setattr(italy, "IT_DISTRICT_CLASSES", ["32.12"])
    monkeypatch.setattr(common, "UNITS_PER_DISTRICT", 2000)
    report = generate("IT", 20_000, [2021], 5, tmp_path)
    slls = _sll_groups()
    districts = report.districts
    assert len(districts) == 10 and len({d["lma_code"] for d in districts}) == 10
    a5 = {code for code, (_, _, group) in slls.items() if group in _groups_of("32.12")}
    assert {d["lma_code"] for d in districts if d["istat_group_matches"]} == a5
    fallback = [d for d in districts if not d["istat_group_matches"]]
    assert len(fallback) == 2
    for district in fallback:
        _, klass, group = slls[district["lma_code"]]
        assert klass == "A" and group == district["istat_group"] and group not in _groups_of("32.12")
    manifest = json.loads((tmp_path / "it" / "GENERATED.json").read_text())
    assert manifest["planted_districts"] == districts


# ---------------------------------------------------------------- calibrated from the rule set


def _moved_rule_set(folder, parameter: str, value: float):
    """A copy of the default rule-set file with one value moved, read back as a rule set."""
    with open(DEFAULT_RULE_SET_FILE, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    assert [row["parameter"] for row in rows].count(parameter) == 1
    for row in rows:
        if row["parameter"] == parameter:
            row["value"] = f"{value:g}"
    path = folder / "moved_rule_set.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return load_rule_set(path)


def _main_industry_lqs(folder, year: int) -> list[float]:
    """The LQ of each planted district's main industry (ATECO class) in its SLL, from the written register
    and GENERATED.json: (class employees in the SLL / employees in the SLL) / (class employees / all)."""
    units = (
        _read(folder, "IT", f"it/asia_ul/{year}/unita_locali_{year}.csv")
        .select(
            "codice_comune",
            pl.col("ateco_2007").str.slice(0, 5).alias("code"),
            pl.col("addetti").cast(pl.Float64).alias("employees"),
        )
        .join(_it_sll(), on="codice_comune")
    )
    total = units.get_column("employees").sum()
    cells = (
        units.group_by("codice_sll", "code")
        .agg(pl.col("employees").sum().alias("cell"))
        .join(units.group_by("codice_sll").agg(pl.col("employees").sum().alias("area")), on="codice_sll")
        .join(units.group_by("code").agg(pl.col("employees").sum().alias("national")), on="code")
        .with_columns((pl.col("cell") / pl.col("area") / (pl.col("national") / total)).alias("lq"))
    )
    planted = json.loads((folder / "it" / "GENERATED.json").read_text())["planted_districts"]
    districts = pl.DataFrame(
        {"codice_sll": [d["lma_code"] for d in planted], "code": [d["industry_code"] for d in planted]}
    )
    lqs = districts.join(cells, on=["codice_sll", "code"], how="left").get_column("lq")
    assert lqs.null_count() == 0
    return lqs.to_list()


@pytest.mark.parametrize("country", ["IT", "MX"])
def test_default_rule_set_writes_the_bundled_sample(tmp_path, country):
    # The bundled sample was written with the default rule set: its arguments give its bytes again.
    manifest = json.loads((SAMPLE_RAW_DIR / country.lower() / "GENERATED.json").read_text())
    generate(country, manifest["units_requested"], manifest["years"], manifest["seed"], tmp_path, rules=load_rule_set())
    assert _digests(tmp_path / country.lower()) == _digests(SAMPLE_RAW_DIR / country.lower())


def test_planted_districts_follow_a_moved_district_min_lq(tmp_path):
    floor = load_rule_set()["district_min_lq"] + 1  # 3 with the default 2
    # With the default rule set, a district of the bundled sample sits under the moved floor ...
    manifest = json.loads((SAMPLE_RAW_DIR / "it" / "GENERATED.json").read_text())
    years, units, seed = manifest["years"], manifest["units_requested"], manifest["seed"]
    assert min(lq for year in years for lq in _main_industry_lqs(SAMPLE_RAW_DIR, year)) < floor
    # ... with the floor moved in the rule-set file, the same arguments plant every district above it,
    # every year.
    generate("IT", units, years, seed, tmp_path, rules=_moved_rule_set(tmp_path, "district_min_lq", floor))
    for year in years:
        lqs = _main_industry_lqs(tmp_path, year)
        assert len(lqs) >= 6 and min(lqs) >= floor, (year, lqs)


def test_calibration_follows_the_rule_set():
    rules = load_rule_set()
    default = Calibration.from_rules(rules)
    micro, small, medium = (
        int(rules[p]) for p in ("unit_micro_max_employees", "unit_small_max_employees", "unit_medium_max_employees")
    )
    assert default.size_classes[:3] == ((1, micro), (micro + 1, small), (small + 1, medium))
    assert default.small_unit_max == small
    # The district sizes aim at the deck's facts: the lower facts are the medians, and 30 % of the
    # districts lie above the upper ones (the spread kept to steps of 0.05).
    z = NormalDist().inv_cdf(0.7)
    for median, sigma, median_parameter, upper_parameter in (
        (default.firms_median, default.firms_sigma, "size_many_firms", "size_very_many_firms"),
        (default.employees_median, default.employees_sigma, "size_few_employees", "size_many_employees"),
    ):
        assert median == rules[median_parameter]
        assert sigma == pytest.approx(math.log(rules[upper_parameter] / median) / z, abs=0.025)
    assert default.min_lq > rules["district_min_lq"] and default.plan_lq > default.min_lq
    assert default.firms_range[0] >= rules["district_min_establishments"]
    assert default.employees_range[0] >= rules["district_min_employees"]
    assert default.thin_max_lq < rules["typology_d2_min_lq"] < min(lo for lo, _ in default.linkage_lq)

    moved = Calibration.from_rules(
        rules.with_values(
            {"unit_small_max_employees": 99, "size_many_firms": 300, "size_very_many_firms": 1200, "district_min_lq": 3}
        )
    )
    assert moved.size_classes[1:3] == ((micro + 1, 99), (100, medium)) and moved.small_unit_max == 99
    assert moved.firms_median == 300 and moved.firms_sigma == pytest.approx(math.log(4) / z, abs=0.025)
    assert moved.min_lq > 3 and moved.plan_lq > moved.min_lq
    with pytest.raises(ValueError, match="unit size bounds must rise"):
        Calibration.from_rules(rules.with_values({"unit_small_max_employees": micro}))
    with pytest.raises(ValueError, match="size_very_many_firms"):
        Calibration.from_rules(rules.with_values({"size_very_many_firms": 100}))
