"""Registers: the DENUE and ISTAT-style adapters, band conversion, bad register rows, and the
full indicator set of one district worked out by hand."""

from __future__ import annotations

import csv
from dataclasses import replace

import duckdb
import polars as pl
import pytest

from pipelines.catalogue import SourceFile
from pipelines.disclosure import load_disclosure_rules
from pipelines.ingest import run_entry
from pipelines.paths import REFERENCE_DIR, SAMPLE_RAW_DIR, ProjectPaths
from pipelines.rules import load_rule_set
from pipelines.sources.denue import read_denue
from tests.conftest import FIXTURES


def _reasons(con, contract):
    return con.execute(f"select source_line, reason from quarantine.{contract} order by source_line").fetchall()


DENUE = FIXTURES / "denue_afore_cdmx.csv"


def _bands() -> dict[str, float]:
    with open(REFERENCE_DIR / "employment_bands" / "employment_bands.csv", newline="", encoding="utf-8") as handle:
        return {r["band_text"]: float(r["estimate"]) for r in csv.DictReader(handle)}


def test_denue_codes_come_from_clee_when_columns_are_absent():
    frame = read_denue(DENUE, required_columns=["id", "per_ocu", "codigo_act", "area_code"]).collect()
    assert frame.height == 34
    first = frame.row(0, named=True)
    # clee 09012524220000054000000000U4: state 09, municipality 012, SCIAN 524220
    assert (first["cve_ent"], first["cve_mun"], first["area_code"], first["codigo_act"]) == (
        "09",
        "012",
        "09012",
        "524220",
    )
    assert first["per_ocu"] == "251 y más personas"


def test_denue_prefers_its_own_columns(tmp_path):
    rows = DENUE.read_text(encoding="utf-8").splitlines()
    header = rows[0] + ",codigo_act,cve_ent,cve_mun"
    body = [r + ",461110,15,024" for r in rows[1:3]]
    path = tmp_path / "denue.csv"
    path.write_text("\n".join([header, *body]) + "\n", encoding="utf-8")
    frame = read_denue(path, required_columns=["id"]).collect()
    assert frame.get_column("area_code").to_list() == ["15024", "15024"]
    assert frame.get_column("codigo_act").to_list() == ["461110", "461110"]


def test_denue_fixture_lands_whole_with_bands(warehouse_con, catalogue):
    load = run_entry(warehouse_con, catalogue["mx_denue"], [SourceFile(DENUE, 2021)], country="MX", ref_year=2021)
    assert (load.rows_read, load.rows_landed, load.rows_quarantined) == (34, 34, 0)
    landed = warehouse_con.execute(
        "select employees_band, count(*) from landing.establishments where employees is null group by 1"
    ).fetchall()
    assert dict(landed) == {
        "11 a 30 personas": 12,
        "251 y más personas": 8,
        "101 a 250 personas": 7,
        "6 a 10 personas": 4,
        "0 a 5 personas": 2,
        "31 a 50 personas": 1,
    }


def test_bad_register_rows_are_quarantined_with_reasons(tmp_path, warehouse_con, catalogue):
    lines = DENUE.read_text(encoding="utf-8").splitlines()
    header, good = lines[0], lines[1:4]
    bad = [
        good[0]
        .replace("09012524220", "09999524220", 1)
        .replace(",6430761,", ",9000001,", 1),  # line 5: municipality 09999
        good[0].replace("09012524220", "09012999999", 1).replace(",6430761,", ",9000002,", 1),  # line 6: SCIAN 999999
        good[0].replace("251 y más personas", "muchas personas").replace(",6430761,", ",9000003,", 1),  # line 7
        good[1],  # line 8: duplicates the unit id of line 3
    ]
    path = tmp_path / "denue_2021.csv"
    path.write_text("\n".join([header, *good, *bad]) + "\n", encoding="utf-8")
    load = run_entry(warehouse_con, catalogue["mx_denue"], [SourceFile(path, 2021)], country="MX", ref_year=2021)
    assert load.rows_read == load.rows_landed + load.rows_quarantined == 7
    reasons = dict(
        warehouse_con.execute("select source_line, reason from quarantine.establishments order by 1").fetchall()
    )
    assert sorted(reasons) == [3, 5, 6, 7, 8]
    assert "area_code '09999' is not in reference.areas for MX" in reasons[5]
    assert "industry_code '999999' is not in reference.industry_codes for SCIAN2018" in reasons[6]
    assert "employees_band 'muchas personas' is not in reference.employment_bands for DENUE" in reasons[7]
    assert reasons[3].startswith("duplicated key") and reasons[8].startswith("duplicated key")


def test_register_row_without_any_employment_is_quarantined(tmp_path, warehouse_con, catalogue):
    entry = catalogue["it_asia_ul"]
    path = tmp_path / "unita_locali_2021.csv"
    path.write_bytes(
        "codice_ul;codice_impresa;codice_comune;ateco_2007;addetti;fatturato;fatturato_export;anno_inizio\n"
        "UL1;IM1;001001;13.20.00;4;100;0;2001\n"
        "UL2;IM2;001001;13.20.00;;100;0;2001\n".encode("cp1252")
    )
    load = run_entry(warehouse_con, entry, [SourceFile(path, 2021)], country="IT", ref_year=2021)
    assert load.rows_landed == 1
    assert _reasons(warehouse_con, "establishments") == [(3, "the row has none of employees / employees_band")]


def test_parquet_register_through_a_generic_entry(tmp_path, warehouse_con, catalogue):
    """A generic register in Parquet, its columns mapped by a catalogue entry."""
    entry = replace(
        catalogue["it_asia_ul"],
        name="it_register_parquet",
        adapter="parquet",
        columns={"unit_id": "unit", "area_code": "municipality", "industry_code": "nace", "employees": "persons"},
    )
    path = tmp_path / "register_2021.parquet"
    pl.DataFrame(
        {
            "unit": ["A", "B", "C"],
            "municipality": ["001001", "001002", "1003"],
            "nace": ["13.20", "14.13", "13.20"],
            "persons": [12, 3, 1],
        }
    ).write_parquet(path)
    load = run_entry(warehouse_con, entry, [SourceFile(path, 2021)], country="IT", ref_year=2021)
    assert load.rows_landed == 2
    assert _reasons(warehouse_con, "establishments") == [
        (
            3,
            "area_code '1003' does not match ^\\d{6}$ (a lost leading zero or a wrong code level?); "
            "area_code '1003' is not in reference.areas for IT",
        )
    ]


# ------------------------------------------------------------------ a district by hand

# SLL A = municipalities 001001 + 001002, SLL B = 001003. Textile weaving (ATECO 13.20) in A:
# 12 units, 600 employees. Other units: 10 x 3 retail (47.11) in A; in B 2 x 5 weaving,
# 50 x 10 retail and 20 x 20 restaurants (56.10). Every unit's turnover is 100,000 per
# employee and its export turnover 40,000 per employee.
WEAVING_A = [300, 120, 60, 40, 30, 20, 10, 8, 5, 4, 2, 1]
UNITS = (
    [("001001" if i % 2 == 0 else "001002", "13.20.00", s) for i, s in enumerate(WEAVING_A)]
    + [("001001", "47.11.10", 3)] * 10
    + [("001003", "13.20.00", 5)] * 2
    + [("001003", "47.11.10", 10)] * 50
    + [("001003", "56.10.11", 20)] * 20
)


def _write_register_folder(raw):
    it = raw / "it"
    (it / "lma").mkdir(parents=True)
    (it / "lma" / "comuni_sll.csv").write_bytes(
        "codice_comune;codice_sll;denominazione_sll\n001001;SLLA;Val di Tessitura\n"
        "001002;SLLA;Val di Tessitura\n001003;SLLB;Pianura\n".encode("cp1252")
    )
    (it / "asia_ul" / "2021").mkdir(parents=True)
    lines = [
        "codice_ul;codice_impresa;codice_comune;ateco_2007;addetti;fatturato;fatturato_export;anno_inizio;denominazione"
    ]
    for i, (area, code, size) in enumerate(UNITS):
        # An unmapped name column with cp1252 accents, as in real exports.
        lines.append(
            f"UL{i:05d};IM{i:05d};{area};{code};{size};{size * 100000};{size * 40000};1990;"
            f"Tessitura Città di Agliè n. {i}"
        )
    (it / "asia_ul" / "2021" / "unita_locali_2021.csv").write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    for folder, name, text in [
        ("population", "popolazione_2021.csv", "codice_comune;popolazione\n001001;30000\n001002;10000\n001003;50000\n"),
        (
            "banks",
            "sportelli_2021.csv",
            "codice_comune;sportelli;sportelli_bcc\n001001;20;5\n001002;4;1\n001003;30;3\n",
        ),
        (
            "exports",
            "esportazioni_2021.csv",
            "codice_comune;ateco_2007;valore_euro\n001001;13.20;150000000\n001002;13.20;90000000\n001003;13.20;10000000\n",
        ),
    ]:
        (it / folder / "2021").mkdir(parents=True)
        (it / folder / "2021" / name).write_bytes(text.encode("cp1252"))


@pytest.fixture(scope="module")
def hand_paths(tmp_path_factory):
    from pipelines.refresh import run_refresh

    raw = tmp_path_factory.mktemp("raw")
    _write_register_folder(raw)
    paths = ProjectPaths(raw, tmp_path_factory.mktemp("warehouse"))
    report = run_refresh(paths, steps_to_run=("reference", "ingest", "build"))
    assert report.ok, [(s.label, s.error) for s in report.steps if not s.ok]
    return paths


@pytest.fixture(scope="module")
def hand_district(hand_paths):
    con = duckdb.connect(str(hand_paths.warehouse_db), read_only=True)
    yield con
    con.close()


def test_hand_built_district_is_identified_on_its_labour_market_area(hand_district):
    rows = hand_district.execute(
        "select district_id, area_level, area_code, main_industry_code, firms, employees, lq, specialisation_count "
        "from marts.districts"
    ).fetchall()
    # E = 1540, E_A = 630, E_13.20 = 610: LQ = (600 / 630) / (610 / 1540)
    assert rows == [("IT-SLLA-13.20", "lma", "SLLA", "13.20", 12, 600, round((600 / 630) / (610 / 1540), 6), 1)]


def test_every_indicator_of_the_hand_built_district(hand_district):
    got = {
        r[0]: (r[1], r[2], r[3])
        for r in hand_district.execute(
            "select indicator, obs_value, unit, obs_status from marts.district_indicators "
            "where district_id = 'IT-SLLA-13.20'"
        ).fetchall()
    }
    expected = {
        "firms": 12,
        "firms_all_industries": 22,
        "employees": 600,
        "employees_all_industries": 630,
        "average_unit_size": 50,
        "lq": round((600 / 630) / (610 / 1540), 6),
        "sme_employment_share": 0.5,  # 300 of 600 in units under 250
        "small_employment_share": 0.2,  # 120 of 600 in units under 50
        "micro_employment_share": round(20 / 600, 6),
        "units_micro": 5,
        "units_small": 4,
        "units_medium": 2,
        "units_large": 1,
        "employees_micro": 20,
        "employees_small": 100,
        "employees_medium": 180,
        "employees_large": 300,
        "export_share": 0.4,
        "exports_main_industry": 240_000_000,
        "export_intensity_index": 0.976,  # (240e6 / 600) / (250e6 / 610)
        "population": 40_000,
        "bank_branches_per_10k_inhabitants": 6.0,  # 24 branches, 40,000 inhabitants
        "bank_branches_per_1000_firms": round(24 / 22 * 1000, 6),
        "local_bank_share": 0.25,  # 6 of 24
    }
    # Disclosure control: the large size class is one unit and the medium one two, below the frequency rule's
    # minimum of units; together (3 units, 300 and 180 employees) they protect each other, so micro and small stay
    # free. Their units and employees, and the SME share (1 - large / total), are published NULL with status A.
    rules = load_disclosure_rules()
    assert 2 < rules.min_units <= 3
    suppressed = {"units_large", "employees_large", "units_medium", "employees_medium", "sme_employment_share"}
    statuses = dict(hand_district.execute(
        "select indicator, conf_status from marts.district_indicators where district_id = 'IT-SLLA-13.20'"
    ).fetchall())
    assert {k for k, status in statuses.items() if status != "F"} == suppressed
    assert all(statuses[k] == "A" for k in suppressed)
    assert all(got[k][0] is None for k in suppressed)
    assert {k: v[0] for k, v in got.items() if k not in suppressed} == pytest.approx(
        {k: v for k, v in expected.items() if k not in suppressed}, abs=1e-6)
    # The values behind them, as computed before disclosure control.
    wide = hand_district.execute(
        f"select {', '.join(sorted(suppressed))} from intermediate.int_district_indicators_wide "
        "where district_id = 'IT-SLLA-13.20'"
    ).fetchone()
    assert list(wide) == pytest.approx([expected[k] for k in sorted(suppressed)], abs=1e-6)
    assert all(status == "A" for _, _, status in got.values())
    assert got["bank_branches_per_10k_inhabitants"][1] == "branches per 10,000 inhabitants"


def test_registers_of_the_sample_match_the_raw_files(refreshed):
    """MX cells: units counted and band estimates summed, computed here from the raw DENUE file."""
    paths, _ = refreshed
    bands = _bands()
    cells: dict[tuple[str, str], list] = {}
    with open(SAMPLE_RAW_DIR / "mx" / "denue" / "2021" / "denue_2021.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = (row["clee"][:5], row["clee"][5:11])
            cell = cells.setdefault(key, [0, 0.0])
            cell[0] += 1
            cell[1] += bands[row["per_ocu"]]
    # The cells as computed (the working warehouse), and as published (disclosure control applied).
    con = duckdb.connect(str(paths.warehouse_db), read_only=True)
    computed = {
        (r[0], r[1]): (r[2], r[3], r[4])
        for r in con.execute(
            "select area_code, industry_code, establishments, employees, is_estimate "
            "from intermediate.int_area_industry_named where country = 'MX' and ref_year = 2021"
        ).fetchall()
    }
    published = {
        (r[0], r[1]): (r[2], r[3], r[4])
        for r in con.execute(
            "select area_code, industry_code, establishments, employees, conf_status from marts.area_industry "
            "where country = 'MX' and ref_year = 2021"
        ).fetchall()
    }
    con.close()
    assert set(computed) == set(published) == set(cells)
    for key, (units, employees) in cells.items():
        # Band estimates (20.5, 40.5, ...) are summed, then rounded half away from zero.
        assert computed[key] == (units, int(employees + 0.5), True)
        # Published as computed when free; a suppressed cell shows neither its units nor its employees.
        shown = published[key]
        assert shown == ((units, int(employees + 0.5), "F") if shown[2] == "F" else (None, None, shown[2]))


def test_planted_districts_come_out_of_the_identification(refreshed):
    import json

    paths, _ = refreshed
    con = duckdb.connect(str(paths.published_db), read_only=True)
    found = set(con.execute("select country, area_code, main_industry_code from districts").fetchall())
    con.close()
    for country in ("it", "mx"):
        planted = json.loads((SAMPLE_RAW_DIR / country / "GENERATED.json").read_text())["planted_districts"]
        big = [d for d in planted if d["employees"] >= 1000 and d["firms"] >= 30]
        assert big, country
        for d in big:
            assert (country.upper(), d["lma_code"], d["industry_code"]) in found, d


def test_typology_of_the_hand_built_district(hand_district):
    row = hand_district.execute(
        "select typology_class, level_d1, level_d2, level_d3, level_d4, level_d5, level_d6, level_d7, "
        "agreement, missing_dims, score, low_confidence, explanation_es, explanation_it, explanation_en "
        "from marts.district_typology where district_id = 'IT-SLLA-13.20'"
    ).fetchone()
    (cls, d1, d2, d3, d4, d5, d6, d7, agreement, missing, score, low, es, it, en) = row
    # D1: 12 firms, 600 employees -> level 1. D3: exports 40 % of turnover -> level 4.
    # D5: 24 branches for 40,000 inhabitants = 6.0 per 10,000, the national density (54 for 90,000)
    # -> ratio 1.0, level 3 (local banks 25 % < 30 %). Four dimensions have no data, so the class
    # is the rounded median of 1, 3, 4 = 3: CONSOLIDADO, with low confidence.
    assert (d1, d3, d5) == (1, 4, 3)
    assert (d2, d4, d6, d7) == (None, None, None, None)
    assert (cls, low, missing) == ("CONSOLIDADO", True, "D2, D4, D6, D7")
    assert agreement == pytest.approx(1 / 3, abs=1e-6)
    assert score == pytest.approx(8 / 3, abs=1e-6)
    assert en.startswith("CONSOLIDATED (low confidence, no data for D2, D4, D6, D7")
    assert "12 firms, 600 employees" in en and "40.0 % of turnover" in en and "1.0 times the national" in en
    assert "To become REPOSITIONED" in en
    assert es.startswith("CONSOLIDADO (confianza baja") and "12 empresas, 600 empleados" in es
    assert it.startswith("CONSOLIDATO (affidabilità bassa") and "12 imprese, 600 addetti" in it


def test_overlay_flags_of_the_hand_built_district(hand_district):
    stars, markusen, altenburg = hand_district.execute(
        "select eco_stars, markusen_type, altenburg_type from marts.district_typology "
        "where district_id = 'IT-SLLA-13.20'"
    ).fetchone()
    # Size star: 600 employees >= the 90th percentile of (10, 600) = 541. Specialisation: LQ 2.40 >= 2.
    # Focus: 600 / 630 >= the 90th percentile of (10 / 910, 600 / 630). Three stars.
    assert stars == 3
    # HHI of the twelve units is 0.30 (>= 0.10) and the largest unit holds 50 %: hub and spoke.
    assert markusen == "hub_and_spoke"
    # Medium and large units hold 80 % of employment, but exports are 40 % of turnover: no mass producer.
    assert altenburg == "neither"


def test_tiers_of_the_hand_built_district(hand_district):
    columns = ("leader_units, leader_employees, primary_supplier_units, primary_supplier_employees, "
               "satellite_units, satellite_employees, leader_concentration, satellite_to_leader_ratio, "
               "is_horizontal_competition")
    row = hand_district.execute(
        f"select {columns} from intermediate.int_district_tiers where district_id = 'IT-SLLA-13.20'"
    ).fetchone()
    # Weaving units 300, 120, 60, 40, 30, 20, 10, 8, 5, 4, 2, 1: one leader (300; the top 1 % of 12
    # units is no unit), primary suppliers 120 + 60, nine satellites with 120 employees. The
    # largest unit holds 300 / 600 = 50 % >= 25 %: dominant unit.
    assert row == (1, 300.0, 2, 180.0, 9, 120.0, "dominant_unit", 9.0, False)

    # Published: the leader tier (1 unit) and the primary suppliers (2 units) are below the frequency rule's
    # minimum of units; together they hold 3 units and protect each other (300 and 180 each far above the
    # protection width of the other), so the satellites stay free. What derives from a suppressed tier
    # (the ratio, horizontal competition) is withheld; the concentration category stays.
    rules = load_disclosure_rules()
    assert 1 < rules.min_units and 2 < rules.min_units <= 1 + 2
    published = hand_district.execute(
        f"select {columns}, leader_conf_status, primary_supplier_conf_status, satellite_conf_status "
        "from marts.district_tiers where district_id = 'IT-SLLA-13.20'"
    ).fetchone()
    assert published == (None, None, None, None, 9, 120.0, "dominant_unit", None, None, "A", "A", "F")


def test_gaps_of_the_hand_built_district_item_by_item(hand_district):
    rows = hand_district.execute(
        "select gap, measured_value, benchmark_value, has_gap, note from marts.district_gaps "
        "where district_id = 'IT-SLLA-13.20' order by item_order"
    ).fetchall()
    got = {r[0]: r[1:] for r in rows}
    assert list(got) == ["vertical_complementarity", "learning_by_interacting", "product_innovation", "skills",
                         "markets", "credit", "associations", "trust"]
    # Exports are 40 % of turnover: D3's level from the rule set's export cut-offs, a gap only at or below
    # gap_markets_max_level; the benchmark is the CONSOLIDADO export share.
    rules = load_rule_set()
    level = next((k for k in (4, 3, 2) if 0.4 >= rules[f"typology_d3_export_level{k}"]), 1)
    gap_level = rules["gap_markets_max_level"]
    assert got["markets"] == (
        0.4, rules["typology_d3_export_level3"], level <= gap_level,
        f"D3 level {level} (a gap at level {int(gap_level)} or lower)",
    )
    # Local (cooperative) banks hold 6 of 24 branches: credit is not centralised.
    assert got["credit"] == (0.25, 0.05, False, "centralised credit when close to 0")
    # Textile machinery (ATECO 28.94) has no employment anywhere in the fixture: no LQ, no verdict.
    assert got["learning_by_interacting"][2] is None
    assert got["learning_by_interacting"][3] == "no employment in that machinery industry in the loaded data"
    for item in ("vertical_complementarity", "product_innovation", "skills", "associations", "trust"):
        assert got[item][2] is None and got[item][3].startswith("needs")


def test_sensitivity_of_the_hand_built_district(hand_paths, hand_district):
    from pipelines.sensitivity import run_sensitivity

    before = hand_district.execute("select count(*) from marts.district_typology").fetchone()[0]
    rows = run_sensitivity(hand_paths, ["district_min_lq"], delta=0.25)
    # SLLA's weaving LQ is 2.404: a threshold of 1.5 keeps it, 2.5 loses it. Nothing else qualifies.
    assert [(r.new_value, r.districts_added, r.districts_removed, r.class_changes) for r in rows] == [
        (1.5, 0, 0, 0), (2.5, 0, 1, 0)]
    # The warehouse itself is untouched.
    assert hand_district.execute("select count(*) from marts.district_typology").fetchone()[0] == before == 1


def test_the_district_method_is_selectable(hand_paths, tmp_path):
    import shutil

    from pipelines.sensitivity import rebuild_rule_models

    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(hand_paths.warehouse_db, copy)
    rebuild_rule_models(copy, {"district_method": "cluster_mapping"})
    with duckdb.connect(str(copy), read_only=True) as con:
        rows = con.execute("select district_id, identification_method from marts.districts").fetchall()
        typology = con.execute("select count(*) from marts.district_typology").fetchone()[0]
    # SLLA's weaving has the three ECO stars, 600 employees and 12 units: a district by this route too,
    # and everything downstream (here the typology) follows the chosen method.
    assert rows == [("IT-SLLA-13.20", "cluster_mapping")]
    assert typology == 1
