"""The typology's ordered rule on a register built by hand: one district in each of the four classes,
every dimension measured (no low-confidence fallback), each for a stated reason.

Five labour-market areas (ATECO 2007 classes, units x employees):

- SLLP footwear (15.20) 20 x 20: small, no plastics supplier, no exports -> PRIMORDIAL (D1 = 1, D2 = 1).
- SLLE clothing (14.13) 250 x 24 with textiles (13.20, its supplier) 40 x 20, 5 % exported
  -> EVOLUTIVO (D1 = 2: 250 firms and 6,000 employees; D2 = 2: suppliers present, no textile machinery).
- SLLC dairy (10.51) 10 x 1,600 with farms (01.41), food machinery (28.93) and consulting (70.22),
  20 % exported -> CONSOLIDADO (D1 = 3: 16,000 employees; D2 = 3; D3 = 3).
- SLLR machine tools (28.41) 10 x 1,700 with basic metals (24.10) and consulting, 50 % exported and
  most of the nation's patents -> REPOSICIONADO (D1 = 3, D3 = 4, D4 = 4).
- SLLZ a large retail area that also holds 20 machine-tool units of 1,000 employees (so that SLLR does
  not hold the whole national industry) and a few units of every other class; not a district.

The expected location quotients are recomputed below from the same unit list, independently of SQL.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from pipelines.paths import ProjectPaths

AREAS = {"SLLP": ["001010"], "SLLE": ["001011", "001012"], "SLLC": ["001013"], "SLLR": ["001014"],
         "SLLZ": ["001015", "001016"]}
UNITS = {  # area -> [(ATECO class, employees per unit, units)]
    "SLLP": [("15.20", 20, 20), ("47.11", 5, 50)],
    "SLLE": [("14.13", 24, 250), ("13.20", 20, 40), ("47.11", 5, 100)],
    "SLLC": [("10.51", 1600, 10), ("01.41", 10, 30), ("28.93", 40, 5), ("70.22", 10, 20), ("47.11", 5, 100)],
    "SLLR": [("28.41", 1700, 10), ("24.10", 50, 10), ("70.22", 10, 20), ("47.11", 5, 100)],
    "SLLZ": [("47.11", 20, 2000), ("28.41", 1000, 20), ("22.29", 10, 30), ("28.94", 10, 3), ("13.20", 10, 10),
             ("01.41", 10, 10), ("24.10", 10, 10), ("70.22", 10, 50), ("10.51", 10, 10), ("14.13", 10, 10),
             ("15.20", 10, 5), ("28.93", 10, 5)],
}
EXPORT_SHARE = {"SLLP": 0.01, "SLLE": 0.05, "SLLC": 0.20, "SLLR": 0.50, "SLLZ": 0.0}
MAIN = {"SLLP": "15.20", "SLLE": "14.13", "SLLC": "10.51", "SLLR": "28.41"}
# Input-output coefficients (supplier division, user division, a_jm); own-division links do not count.
IO = [("13", "14", 0.20), ("14", "14", 0.05), ("22", "15", 0.05), ("13", "15", 0.01), ("01", "10", 0.30),
      ("24", "28", 0.15), ("25", "28", 0.10), ("28", "28", 0.08)]
# Patents, trademarks, designs by (municipality, class).
INNOVATION = [("001014", "28.41", 300, 0, 0), ("001015", "28.41", 5, 0, 0), ("001013", "10.51", 0, 16, 0),
              ("001011", "14.13", 0, 0, 3), ("001015", "14.13", 0, 0, 1), ("001015", "15.20", 1, 0, 0)]
# Workers and skilled workers (ISCO 2-3) by (municipality, class).
WORKFORCE = [("001010", "15.20", 400, 40), ("001015", "15.20", 50, 10), ("001011", "14.13", 3000, 600),
             ("001012", "14.13", 3000, 600), ("001015", "14.13", 100, 20), ("001013", "10.51", 16000, 4000),
             ("001015", "10.51", 100, 10), ("001014", "28.41", 17000, 6800), ("001015", "28.41", 20000, 4000)]
# (municipality, id, name, kind, labelled, ATECO code served)
INSTITUTIONS = [("001011", "A1", "Associazione abbigliamento", "associazione", "N", "14"),
                ("001013", "A2", "Consorzio lattiero-caseario", "associazione", "N", "10"),
                ("001013", "S2", "Centro servizi agroalimentare", "centro_servizi", "N", ""),
                ("001014", "A3", "Associazione macchine utensili", "associazione", "N", "28"),
                ("001014", "S3", "Centro prove meccanica", "centro_servizi", "N", "28"),
                ("001014", "K3", "Cluster meccatronica", "cluster", "S", "28"),
                ("001015", "A9", "Associazione commercianti", "associazione", "N", "47")]
# Bank branches (all, of cooperative banks) by municipality; 10,000 inhabitants each.
BANKS = {"001010": (2, 0), "001011": (5, 0), "001012": (5, 0), "001013": (10, 4), "001014": (8, 1),
         "001015": (3, 0), "001016": (3, 0)}


def _write(path, lines):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="cp1252")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from pipelines.refresh import run_refresh

    raw = tmp_path_factory.mktemp("raw") / "it"
    _write(raw / "lma" / "comuni_sll.csv", ["codice_comune;codice_sll;denominazione_sll"]
           + [f"{m};{sll};Sistema {sll}" for sll, munis in AREAS.items() for m in munis])
    lines = ["codice_ul;codice_impresa;codice_comune;ateco_2007;addetti;fatturato;fatturato_export;anno_inizio"]
    n = 0
    for sll, rows in UNITS.items():
        for code, size, count in rows:
            for _ in range(count):
                n += 1
                turnover = size * 100
                lines.append(f"U{n};E{n};{AREAS[sll][n % len(AREAS[sll])]};{code};{size};{turnover};"
                             f"{round(turnover * EXPORT_SHARE[sll])};")
    _write(raw / "asia_ul" / "2021" / "unita_locali_2021.csv", lines)
    _write(raw / "io" / "2021" / "coefficienti_io_2021.csv",
           ["divisione_fornitrice;divisione_utilizzatrice;coefficiente"] + [f"{s};{u};{a}" for s, u, a in IO])
    _write(raw / "innovation" / "2021" / "brevetti_marchi_disegni_2021.csv",
           ["codice_comune;ateco_2007;brevetti;marchi;disegni"] + [";".join(map(str, r)) for r in INNOVATION])
    _write(raw / "workforce" / "2021" / "addetti_qualifiche_2021.csv",
           ["codice_comune;ateco_2007;addetti;addetti_qualificati;monte_salari"]
           + [";".join(map(str, r)) + ";" for r in WORKFORCE])
    _write(raw / "institutions" / "2021" / "istituzioni_2021.csv",
           ["codice_comune;id_istituzione;denominazione;tipo;etichetta;ateco_2007"]
           + [";".join(r) for r in INSTITUTIONS])
    _write(raw / "banks" / "2021" / "sportelli_2021.csv",
           ["codice_comune;sportelli;sportelli_bcc"] + [f"{m};{b};{c}" for m, (b, c) in BANKS.items()])
    _write(raw / "population" / "2021" / "popolazione_2021.csv",
           ["codice_comune;popolazione"] + [f"{m};10000" for m in BANKS])
    paths = ProjectPaths(raw.parent, tmp_path_factory.mktemp("warehouse"))
    report = run_refresh(paths, steps_to_run=("reference", "ingest", "build"))
    assert report.ok, [(s.label, s.error) for s in report.steps if not s.ok]
    con = duckdb.connect(str(paths.warehouse_db), read_only=True)
    frames = {
        name: con.execute(
            f"select m.*, d.area_code from {table} as m join marts.districts as d using (district_id, ref_year) "
            "where d.country = 'IT'"
        ).df().set_index("area_code")
        for name, table in [("typology", "marts.district_typology"), ("linkages", "intermediate.int_district_linkages"),
                            ("gaps", "marts.district_gaps")]
    }
    frames["districts"] = con.execute("select * from marts.districts where country = 'IT'").df().set_index("area_code")
    con.close()
    return frames


def _employees(area=None, prefixes=None):
    return sum(size * count for sll, rows in UNITS.items() if area in (None, sll)
               for code, size, count in rows if prefixes is None or code.startswith(tuple(prefixes)))


def _lq(area, prefixes):
    return (_employees(area, prefixes) / _employees(area)) / (_employees(None, prefixes) / _employees())


def test_the_four_districts_and_their_main_industries(built):
    d = built["districts"]
    assert dict(zip(d.index, d["main_industry_code"])) == MAIN


def test_each_class_from_the_ordered_rule(built):
    t = built["typology"]
    assert dict(zip(t.index, t["typology_class"])) == {
        "SLLP": "PRIMORDIAL", "SLLE": "EVOLUTIVO", "SLLC": "CONSOLIDADO", "SLLR": "REPOSICIONADO"}
    assert not t["low_confidence"].any()
    assert t["missing_dims"].isna().all()


def test_dimension_levels(built):
    t = built["typology"]
    levels = {a: tuple(int(t.loc[a, f"level_d{i}"]) for i in range(1, 8)) for a in MAIN}
    assert levels == {
        # D1 size, D2 division of labour, D3 exports, D4 innovation, D5 banks, D6 skills, D7 institutions
        "SLLP": (1, 1, 1, 1, 1, 2, 1),
        "SLLE": (2, 2, 2, 2, 2, 3, 2),
        "SLLC": (3, 3, 3, 3, 4, 3, 3),
        "SLLR": (3, 3, 4, 4, 3, 4, 4),
    }
    # agreement = share of the seven levels equal to the class level; score = their mean.
    assert t.loc["SLLC", "agreement"] == pytest.approx(6 / 7, abs=1e-6)
    assert t.loc["SLLR", "agreement"] == pytest.approx(4 / 7, abs=1e-6)
    assert t.loc["SLLR", "score"] == pytest.approx(25 / 7, abs=1e-6)


def test_division_of_labour_measures_by_hand(built):
    k = built["linkages"]
    assert k.loc["SLLP", "supplier_lq"] == 0  # plastics (22) supply footwear; textiles' 0.01 is below 0.02
    assert k.loc["SLLE", "supplier_lq"] == pytest.approx(_lq("SLLE", ["13"]), abs=1e-6)
    assert k.loc["SLLE", "machinery_lq"] == 0  # textile machinery (28.94) only in SLLZ
    assert k.loc["SLLC", "supplier_lq"] == pytest.approx(_lq("SLLC", ["01"]), abs=1e-6)
    assert k.loc["SLLC", "machinery_lq"] == pytest.approx(_lq("SLLC", ["28.93"]), abs=1e-6)
    assert k.loc["SLLC", "kibs_lq"] == pytest.approx(_lq("SLLC", ["62", "69", "70", "71", "72", "73", "74"]), abs=1e-6)
    # Basic metals (24) and metal products (25, absent everywhere) supply machine tools.
    assert k.loc["SLLR", "supplier_lq"] == pytest.approx(_lq("SLLR", ["24", "25"]), abs=1e-6)
    assert k.loc["SLLR", "machinery_lq"] == pytest.approx(_lq("SLLR", ["28.41"]), abs=1e-6)


def test_innovation_skills_and_institutions_by_hand(built):
    k = built["linkages"]
    assert k.loc["SLLR", "innovation_ratio"] == pytest.approx((300 / 17000) / (305 / 37000), abs=1e-6)
    assert k.loc["SLLE", "innovation_ratio"] == pytest.approx((3 / 6000) / (4 / 6100), abs=1e-6)
    assert k.loc["SLLP", "innovation_ratio"] == 0
    assert k.loc["SLLR", "skills_ratio"] == pytest.approx((6800 / 17000) / (10800 / 37000), abs=1e-6)
    assert k.loc["SLLP", "skills_ratio"] == pytest.approx((40 / 400) / (50 / 450), abs=1e-6)
    assert set(k["skills_measure"]) == {"skilled_share"}
    got = {a: tuple(int(k.loc[a, c]) for c in ("associations", "service_centres", "labelled_cluster_organisations"))
           for a in MAIN}
    # The retailers' association in SLLZ serves none of them; the centre with no code serves all of SLLC.
    assert got == {"SLLP": (0, 0, 0), "SLLE": (1, 0, 0), "SLLC": (1, 1, 0), "SLLR": (1, 1, 1)}


def test_explanations_name_the_class_and_the_next_step(built):
    t = built["typology"]
    assert t.loc["SLLE", "explanation_en"].startswith("EVOLVING (class from the ordered rule)")
    assert "To become CONSOLIDATED" in t.loc["SLLE", "explanation_en"]
    # The next step is built from the class rule table (seeds/typology_class_rules.csv), condition by condition.
    import csv

    from pipelines.paths import DBT_PROJECT_DIR

    with open(DBT_PROJECT_DIR / "seeds" / "typology_class_rules.csv", newline="", encoding="utf-8") as handle:
        consolidated = [r for r in csv.DictReader(handle) if r["typology_class"] == "CONSOLIDADO"]
    assert consolidated
    next_step = t.loc["SLLE", "explanation_en"].split("To become CONSOLIDATED: ", 1)[1]
    for r in consolidated:
        assert f"{r['dimension']} >= {r['min_level']}" in next_step
    assert t.loc["SLLR", "explanation_it"].startswith("RIPOSIZIONATO")
    assert t.loc["SLLR", "explanation_es"].endswith("Es la clase más alta.")
    assert "Institutions (D7) level 4: 1 associations, 1 service centres" in t.loc["SLLR", "explanation_en"]


def test_gap_flags_item_by_item(built):
    g = built["gaps"]

    def flags(area):
        rows = g.loc[[area]].sort_values("item_order")
        return {r.gap: None if pd.isna(r.has_gap) else bool(r.has_gap) for r in rows.itertuples()}

    assert flags("SLLP") == {
        "vertical_complementarity": True,  # supplier LQ 0 < 1
        "learning_by_interacting": True,  # no footwear machinery (28.94) in the area
        "product_innovation": True,  # D4 = 1
        "skills": False,  # D6 = 2
        "markets": True,  # 1 % exported: D3 = 1
        "credit": True,  # no cooperative-bank branch
        "associations": True,  # D7 = 1
        "trust": None,  # needs a survey
    }
    assert flags("SLLR") == {
        "vertical_complementarity": False, "learning_by_interacting": False, "product_innovation": False,
        "skills": False, "markets": False, "credit": False,  # 1 of 8 branches is local: 12.5 % >= 5 %
        "associations": False, "trust": None,
    }
