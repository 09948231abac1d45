"""The Sforzi-ISTAT steps on a register built by hand: each area passes or fails for a known reason.

Five labour-market areas (municipalities -> SLL), units of the ISTAT-style register:

- SLLA: textiles (13.20) 20 units x 10 + one medium unit of 100; retail 10 x 5. The main group has
  exactly one medium unit, so step 5 uses the small units' share: 200 / 300 > 0.5 -> district.
- SLLB: machinery (28.41) 2 units x 400 + 5 x 10; retail 20 x 5 -> large units dominate: step 3 fails.
- SLLC: retail 100 x 5, consulting (70.22) 50 x 4 -> no manufacturing: step 2 fails.
- SLLD: furniture (31.09) 3 medium units x 100 + 10 x 10; retail 20 x 5 -> all in SMEs: district.
- SLLE: clothing (14.13) one medium unit of 100 + 2 x 10; retail 10 x 5 -> the exception applies
  and the small units' share is 20 / 120 < 0.5: step 5 fails.
"""

from __future__ import annotations

import duckdb
import pytest

from pipelines.paths import ProjectPaths

AREAS = {"SLLA": ["001001", "001002"], "SLLB": ["001003", "001004"], "SLLC": ["001006"],
         "SLLD": ["001007", "001008"], "SLLE": ["001009"]}
UNITS = {  # area -> [(ATECO class, employees, count)]
    "SLLA": [("13.20", 10, 20), ("13.20", 100, 1), ("47.11", 5, 10)],
    "SLLB": [("28.41", 400, 2), ("28.41", 10, 5), ("47.11", 5, 20)],
    "SLLC": [("47.11", 5, 100), ("70.22", 4, 50)],
    "SLLD": [("31.09", 100, 3), ("31.09", 10, 10), ("47.11", 5, 20)],
    "SLLE": [("14.13", 100, 1), ("14.13", 10, 2), ("47.11", 5, 10)],
}


@pytest.fixture(scope="module")
def sforzi_paths(tmp_path_factory):
    from pipelines.refresh import run_refresh

    raw = tmp_path_factory.mktemp("raw")
    (raw / "it" / "lma").mkdir(parents=True)
    lma_lines = ["codice_comune;codice_sll;denominazione_sll"]
    lma_lines += [f"{m};{sll};Sistema {sll}" for sll, munis in AREAS.items() for m in munis]
    (raw / "it" / "lma" / "comuni_sll.csv").write_text("\n".join(lma_lines) + "\n", encoding="cp1252")
    lines = ["codice_ul;codice_impresa;codice_comune;ateco_2007;addetti;fatturato;fatturato_export;anno_inizio"]
    n = 0
    for sll, rows in UNITS.items():
        for code, size, count in rows:
            for _ in range(count):
                n += 1
                lines.append(f"U{n};E{n};{AREAS[sll][n % len(AREAS[sll])]};{code};{size};;;")
    (raw / "it" / "asia_ul" / "2021").mkdir(parents=True)
    (raw / "it" / "asia_ul" / "2021" / "unita_locali_2021.csv").write_text("\n".join(lines) + "\n", encoding="cp1252")
    paths = ProjectPaths(raw, tmp_path_factory.mktemp("warehouse"))
    report = run_refresh(paths, steps_to_run=("reference", "ingest", "build"))
    assert report.ok, [(s.label, s.error) for s in report.steps if not s.ok]
    return paths


@pytest.fixture(scope="module")
def sforzi(sforzi_paths):
    """The algorithm's every value (the intermediate model; the published table withholds protected values)."""
    con = duckdb.connect(str(sforzi_paths.warehouse_db), read_only=True)
    rows = con.execute("select * from intermediate.int_sforzi_istat where country = 'IT'").df()
    con.close()
    return rows.set_index("area_code")


def test_the_published_table_withholds_what_the_disclosure_rules_protect(sforzi_paths):
    from pipelines.disclosure import load_disclosure_rules

    rules = load_disclosure_rules()
    con = duckdb.connect(str(sforzi_paths.warehouse_db), read_only=True)
    published = con.execute("select * from marts.sforzi_istat where country = 'IT'").df().set_index("area_code")
    con.close()
    a, b, d = published.loc["SLLA"], published.loc["SLLB"], published.loc["SLLD"]
    assert rules.min_units > 2  # the cases below rest on one and two units being too few
    # SLLA: its main group's one medium unit would be revealed by the small units' share.
    assert a["main_group_conf_status"] == "A" and pd_isna(a["main_group_small_share"])
    assert a["main_group_code"] == "G01" and a["is_district"] and a["conf_status"] == "A"
    # SLLB: two large units of 400 among 2 x 400 + 5 x 10 manufacturing employees: the large band has too few
    # units (the size LQs go), and the two largest hold 800 / 850 of manufacturing (dominance by two units).
    assert 800 / 850 * 100 > rules.dominance_2_k and 400 / 850 * 100 <= rules.dominance_1_k
    assert b["size_conf_status"] == "A" and pd_isna(b["lq_large_units"]) and pd_isna(b["lq_small_units"])
    assert b["manufacturing_conf_status"] == "T" and pd_isna(b["lq_manufacturing"])
    # SLLD: three medium units of 100 and ten small units: every cell is free and published.
    assert (d["manufacturing_conf_status"], d["size_conf_status"], d["main_group_conf_status"]) == ("F", "F", "F")
    assert d["conf_status"] == "F" and d["main_group_sme_share"] == 1.0


def test_each_area_passes_or_fails_for_its_reason(sforzi):
    got = {a: (sforzi.loc[a, "is_district"], sforzi.loc[a, "method_note"]) for a in AREAS}
    assert got == {
        "SLLA": (True, "steps 2-5 pass"),
        "SLLB": (False, "step 3: manufacturing is specialised in large units"),
        "SLLC": (False, "step 2: not a manufacturing area"),
        "SLLD": (True, "steps 2-5 pass"),
        "SLLE": (False, "step 5: main group not mainly in SMEs"),
    }


def test_one_medium_unit_exception(sforzi):
    a, d, e = sforzi.loc["SLLA"], sforzi.loc["SLLD"], sforzi.loc["SLLE"]
    assert (a["main_group_code"], a["main_group_medium_units"], a["sme_test"]) == ("G01", 1, "small_share_one_medium_unit")
    assert a["main_group_small_share"] == pytest.approx(200 / 300, abs=1e-8)
    assert a["main_group_sme_share"] == 1.0
    assert (d["main_group_code"], d["main_group_medium_units"], d["sme_test"]) == ("G03", 3, "sme_share")
    assert (e["main_group_code"], e["sme_test"]) == ("G01", "small_share_one_medium_unit")
    assert e["main_group_small_share"] == pytest.approx(20 / 120, abs=1e-8)


def test_location_quotients_by_hand(sforzi):
    # Manufacturing 1,670 of 2,670 employees; SLLA has 300 of its 350 in manufacturing.
    assert sforzi.loc["SLLA", "lq_manufacturing"] == pytest.approx((300 / 350) / (1670 / 2670), abs=1e-6)
    assert sforzi.loc["SLLA", "prevalence_manufacturing"] == pytest.approx(300 - 350 * 1670 / 2670, abs=0.01)
    # Size classes of manufacturing: small 370, medium 500, large 800 of 1,670.
    b = sforzi.loc["SLLB"]
    assert b["lq_large_units"] == pytest.approx((800 / 850) / (800 / 1670), abs=1e-6)
    assert b["lq_small_units"] == pytest.approx((50 / 850) / (370 / 1670), abs=1e-6)
    assert b["lq_medium_units"] == 0
    # Textiles and clothing (G01) employ 420: SLLA's main group LQ.
    assert sforzi.loc["SLLA", "main_group_lq"] == pytest.approx((300 / 350) / (420 / 2670), abs=1e-6)
    assert pd_isna(sforzi.loc["SLLC", "lq_manufacturing"])


def test_specialisations_count_groups_that_pass_the_sme_test(sforzi):
    assert {a: int(sforzi.loc[a, "specialisation_groups"]) for a in AREAS} == {
        "SLLA": 1, "SLLB": 0, "SLLC": 0, "SLLD": 1, "SLLE": 0}


def test_statistics_without_sizes_are_not_guessed(refreshed):
    paths, _ = refreshed
    with duckdb.connect(str(paths.warehouse_db), read_only=True) as con:
        rows = con.execute(
            "select distinct is_district, method_note from marts.sforzi_istat where country = 'US'"
        ).fetchall()
    assert rows == [(None, "no unit sizes in the inputs (statistics without size classes): "
                           "steps 3 and 5 cannot be applied")]


def test_sforzi_istat_can_define_the_districts(sforzi_paths, tmp_path):
    import shutil

    from pipelines.sensitivity import rebuild_rule_models

    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(sforzi_paths.warehouse_db, copy)
    rebuild_rule_models(copy, {"district_method": "sforzi_istat"})
    with duckdb.connect(str(copy), read_only=True) as con:
        rows = con.execute(
            "select area_code, main_industry_code, employees, identification_method from marts.districts "
            "where country = 'IT' order by area_code"
        ).fetchall()
        typed = con.execute("select count(*) from marts.district_typology where country = 'IT'").fetchone()[0]
    # The two areas that pass steps 2-5; the main industry is the main group's leading class
    # (SLLA: weaving 13.20 with 21 units, 300 employees; SLLD: furniture 31.09, 400 employees).
    assert rows == [("SLLA", "13.20", 300, "sforzi_istat"), ("SLLD", "31.09", 400, "sforzi_istat")]
    assert typed == 2


def pd_isna(value) -> bool:
    import pandas as pd

    return bool(pd.isna(value))
