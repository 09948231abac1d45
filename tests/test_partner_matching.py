"""Cross-clustering on registers built by hand: three Italian and three Mexican districts.

Italy (ISTAT-style register, ATECO 2007), one municipality per labour-market area:
- SLLA footwear (15.20) 20 x 20 with textile and leather machinery (28.94) 10 x 30;
- SLLB weaving (13.20) 20 x 20;  SLLC furniture (31.09) 20 x 20;  each with 50 shops x 5;
- SLLZ 1,000 shops x 5 and a few units of each industry.
Mexico (DENUE layout, SCIAN 2018, employees from the band estimates 20.5 and 3):
- ZM01 footwear (316211), ZM02 weaving (313210), ZM03 furniture (337120): 20 units of 11-30 people
  and 50 shops of 0-5 each; ZM09 1,000 shops and two units of each industry.

Proximity, density and scores are recomputed below from these lists (industries in ISIC divisions
through the INEGI table: 316211 -> 1520, 313210 -> 1312, 337120 -> 3100 and 3250 in equal parts,
461110 -> 4711 and 4791), independently of the SQL.
"""

from __future__ import annotations

from itertools import permutations

import duckdb
import pandas as pd
import pytest

from pipelines.paths import ProjectPaths
from pipelines.rules import load_rule_set

IT_AREAS = {"SLLA": "001010", "SLLB": "001011", "SLLC": "001012", "SLLZ": "001015"}
IT_UNITS = {  # area -> [(ATECO class, employees per unit, units)]
    "SLLA": [("15.20", 20, 20), ("28.94", 30, 10), ("47.11", 5, 50)],
    "SLLB": [("13.20", 20, 20), ("47.11", 5, 50)],
    "SLLC": [("31.09", 20, 20), ("47.11", 5, 50)],
    "SLLZ": [("47.11", 5, 1000), ("15.20", 10, 5), ("13.20", 10, 5), ("31.09", 10, 5), ("28.94", 10, 2)],
}
MX_AREAS = {"ZM01": ["01001"], "ZM02": ["01002"], "ZM03": ["01003"], "ZM09": ["01004", "01005"]}
BAND = {"11 a 30 personas": 20.5, "0 a 5 personas": 3.0}
MX_UNITS = {  # area -> [(SCIAN, band, units)]
    "ZM01": [("316211", "11 a 30 personas", 20), ("461110", "0 a 5 personas", 50)],
    "ZM02": [("313210", "11 a 30 personas", 20), ("461110", "0 a 5 personas", 50)],
    "ZM03": [("337120", "11 a 30 personas", 20), ("461110", "0 a 5 personas", 50)],
    "ZM09": [("461110", "0 a 5 personas", 1000), ("316211", "0 a 5 personas", 2), ("313210", "0 a 5 personas", 2),
             ("337120", "0 a 5 personas", 2)],
}
SCIAN_ISIC = {"316211": {"15": 1.0}, "313210": {"13": 1.0}, "337120": {"31": 0.5, "32": 0.5}, "461110": {"47": 1.0}}
GROUP = {"15.20": "G02", "13.20": "G01", "31.09": "G03", "316211": "G02", "313210": "G01", "337120": "G03"}
MACHINERY = {"G01": "28.94", "G02": "28.94", "G03": "28.49"}  # seeds/machinery_for_groups.csv, ATECO
WEIGHTS = {m: load_rule_set()[f"match_weight_{m}"] for m in ("m1", "m3", "m4", "m5", "m7", "m6")}
IT_DISTRICTS = {"SLLA": "15.20", "SLLB": "13.20", "SLLC": "31.09"}
MX_DISTRICTS = {"ZM01": "316211", "ZM02": "313210", "ZM03": "337120"}
IT_EXPORTS = {"SLLA": [("15.20", 800), ("28.94", 200)], "SLLB": [("13.20", 500)]}  # euro, by ATECO class
MX_IMPORTS = {"520811": 1000, "640399": 600, "844630": 300}  # national imports by HS6, US dollars
DENUE_HEADER = ("clee,id,nom_estab,raz_social,nombre_act,per_ocu,tipo_vial,nom_vial,numero_ext,numero_int,nomb_asent,"
                "cod_postal,municipio,telefono,correoelec,www,tipoUniEco,longitud,latitud,tipoCenCom,nom_CenCom,num_local")


def _write(path, lines, encoding="utf-8"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding=encoding)


@pytest.fixture(scope="module")
def matched(tmp_path_factory):
    from pipelines.refresh import run_refresh

    raw = tmp_path_factory.mktemp("raw")
    _write(raw / "it" / "lma" / "comuni_sll.csv", ["codice_comune;codice_sll;denominazione_sll"]
           + [f"{m};{sll};Sistema {sll}" for sll, m in IT_AREAS.items()], "cp1252")
    lines = ["codice_ul;codice_impresa;codice_comune;ateco_2007;addetti;fatturato;fatturato_export;anno_inizio"]
    n = 0
    for sll, rows in IT_UNITS.items():
        for code, size, count in rows:
            for _ in range(count):
                n += 1
                lines.append(f"U{n};E{n};{IT_AREAS[sll]};{code};{size};;;")
    _write(raw / "it" / "asia_ul" / "2021" / "unita_locali_2021.csv", lines, "cp1252")
    _write(raw / "it" / "exports" / "2021" / "esportazioni_2021.csv", ["codice_comune;ateco_2007;valore_euro"]
           + [f"{IT_AREAS[a]};{code};{value}" for a, rows in IT_EXPORTS.items() for code, value in rows], "cp1252")
    _write(raw / "mx" / "imports" / "2021" / "importaciones_2021.csv",
           ["hs6,valor_usd"] + [f"{hs},{value}" for hs, value in MX_IMPORTS.items()])
    _write(raw / "mx" / "lma" / "municipios_zonas.csv", ["cve_mun,cve_zona,nom_zona"]
           + [f"{m},{zm},Zona {zm}" for zm, munis in MX_AREAS.items() for m in munis])
    lines, n = [DENUE_HEADER], 0
    for zm, rows in MX_UNITS.items():
        for code, band, count in rows:
            for _ in range(count):
                n += 1
                mun = MX_AREAS[zm][n % len(MX_AREAS[zm])]
                lines.append(f"{mun}{code}{n:015d}S1,{n},UNIDAD {n},,,{band}" + "," * 16)
    _write(raw / "mx" / "denue" / "2021" / "denue_2021.csv", lines)
    paths = ProjectPaths(raw, tmp_path_factory.mktemp("warehouse"))
    report = run_refresh(paths, steps_to_run=("reference", "ingest", "build"))
    assert report.ok, [(s.label, s.error) for s in report.steps if not s.ok]
    con = duckdb.connect(str(paths.warehouse_db), read_only=True)
    yield paths, con
    con.close()


# ---------------------------------------------------------------- independent computation

def _division_employment() -> dict[tuple[str, str], dict[str, float]]:
    cells: dict[tuple[str, str], dict[str, float]] = {}
    for sll, rows in IT_UNITS.items():
        for code, size, count in rows:
            d = cells.setdefault(("IT", sll), {})
            d[code[:2]] = d.get(code[:2], 0) + size * count
    for zm, rows in MX_UNITS.items():
        for code, band, count in rows:
            d = cells.setdefault(("MX", zm), {})
            for division, weight in SCIAN_ISIC[code].items():
                d[division] = d.get(division, 0) + BAND[band] * count * weight
    return cells


def _lqs() -> dict[tuple[str, str], dict[str, float]]:
    cells = _division_employment()
    out = {}
    for (country, region), row in cells.items():
        national = [r for (c, _), r in cells.items() if c == country]
        total = sum(sum(r.values()) for r in national)
        out[(country, region)] = {
            k: (v / sum(row.values())) / (sum(r.get(k, 0) for r in national) / total) for k, v in row.items()}
    return out


def _phi() -> dict[tuple[str, str], float]:
    specialised = {key: {k for k, lq in row.items() if lq >= 1} for key, row in _lqs().items()}
    count = {}
    for divisions in specialised.values():
        for k in divisions:
            count[k] = count.get(k, 0) + 1
    phi = {}
    for i, j in permutations(count, 2):
        both = sum(1 for divisions in specialised.values() if i in divisions and j in divisions)
        if both:
            phi[(i, j)] = both / max(count[i], count[j])
    return phi


def _import_shares() -> dict[str, float]:
    """Mexico's import shares by ISIC division: each HS product split equally over its ISIC classes in the
    bundled HS -> ISIC table."""
    import csv

    from pipelines.paths import REFERENCE_DIR

    links: dict[str, list[str]] = {}
    with open(REFERENCE_DIR / "hs_isic4" / "hs_isic4.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["HS_6d"] in MX_IMPORTS:
                links.setdefault(r["HS_6d"], []).append(r["ISIC4_4d"][:2])
    by_division: dict[str, float] = {}
    for hs, value in MX_IMPORTS.items():
        for division in links[hs]:
            by_division[division] = by_division.get(division, 0) + value / len(links[hs])
    total = sum(by_division.values())
    return {k: v / total for k, v in by_division.items()}


def _trade_complementarity(area):
    """Michaely's TC = 100 (1 - sum |m - x| / 2) over the union of divisions; None without exports."""
    if area not in IT_EXPORTS:
        return None
    x: dict[str, float] = {}
    for code, value in IT_EXPORTS[area]:
        x[code[:2]] = x.get(code[:2], 0) + value
    x = {k: v / sum(x.values()) for k, v in x.items()}
    m = _import_shares()
    return 100 * (1 - sum(abs(m.get(k, 0) - x.get(k, 0)) for k in set(m) | set(x)) / 2)


def _expected_components(weights=WEIGHTS):
    lqs, phi = _lqs(), _phi()
    def it_lq(area, prefix):  # LQ of a class prefix in an Italian area; 0 when the nation has none
        def emp(rows):
            return sum(size * count for code, size, count in rows if code.startswith(prefix))

        national = sum(emp(rows) for rows in IT_UNITS.values())
        if not national:
            return 0.0
        total = sum(size * count for rows in IT_UNITS.values() for _, size, count in rows)
        return (emp(IT_UNITS[area]) / sum(size * count for _, size, count in IT_UNITS[area])) / (national / total)

    def mx_lq(area, scian):
        def emp(rows):
            return sum(BAND[band] * count for code, band, count in rows if code == scian)

        total = sum(BAND[band] * count for rows in MX_UNITS.values() for _, band, count in rows)
        national = sum(emp(rows) for rows in MX_UNITS.values())
        return (emp(MX_UNITS[area]) / sum(BAND[band] * count for _, band, count in MX_UNITS[area])) / (national / total)

    main_division = {"SLLA": "15", "SLLB": "13", "SLLC": "31", "ZM01": "15", "ZM02": "13", "ZM03": "31"}
    out = {}
    for e, e_code in IT_DISTRICTS.items():
        strengths = [k for k, lq in lqs[("IT", e)].items() if lq >= 2]
        for m, m_code in MX_DISTRICTS.items():
            m1 = 1.0 if GROUP[e_code] == GROUP[m_code] else phi.get((main_division[e], main_division[m]), 0.0)
            densities = []
            for k in strengths:
                related = {j: p for (i, j), p in phi.items() if i == k}
                x = {j for j, lq in lqs[("MX", m)].items() if lq >= 1}
                densities.append(sum(p for j, p in related.items() if j in x) / sum(related.values()) if related else 0)
            m3 = sum(densities) / len(densities) if densities else 0.0
            m5 = 1.0 if it_lq(e, MACHINERY[GROUP[m_code]]) >= 2 and mx_lq(m, m_code) >= 1.5 else 0.0
            m7 = 0.0  # every district here is PRIMORDIAL: a first district that is not higher scores 0
            m4 = _trade_complementarity(e)
            w = weights
            available = w["m1"] + w["m3"] + w["m5"] + w["m7"] + (w["m4"] if m4 is not None else 0)
            rescale = (w["m1"] + w["m3"] + w["m4"] + w["m5"] + w["m7"]) / available
            score = rescale * (w["m1"] * m1 + w["m3"] * m3 + w["m4"] * (m4 or 0) / 100 + w["m5"] * m5 + w["m7"] * m7)
            out[(e, m)] = {"m1": m1, "m3": m3, "m4": m4, "m5": m5, "score": score}
    return out


# ---------------------------------------------------------------- tests

def _matches(con):
    rows = con.execute(
        "select split_part(first_district_id, '-', 2) as e, split_part(second_district_id, '-', 2) as m, "
        "m1_same_value_chain, m3_relatedness_density, m4_trade_complementarity, m5_tier_complementarity, "
        "m6_export_similarity, m7_type_complementarity, score, rank_for_first, rank_for_second, top_components, "
        "reason_en, reason_es, reason_it, machinery_meets_users, first_isic4_class, second_isic4_class "
        "from marts.partner_matches"
    ).df()
    return rows.set_index(["e", "m"])


def test_industry_proximity_on_the_hand_built_matrix(matched):
    _, con = matched
    got = {(i, j): phi for i, j, phi in con.execute(
        "select division_i, division_j, phi from marts.industry_proximity").fetchall()}
    expected = _phi()
    assert set(got) == set(expected)
    for pair, value in expected.items():
        assert got[pair] == pytest.approx(value, abs=1e-8), pair
    # By hand: footwear (15) and machinery (28) are both specialisations of SLLA only, and 28 of no other
    # region while 15 is also one of ZM01: phi(15, 28) = 1 / max(2, 1) = 0.5.
    assert got[("15", "28")] == pytest.approx(0.5)
    # Relatedness density of every region around every division with a proximity.
    lqs = _lqs()
    density = {(c, r, k): d for c, r, k, d in con.execute(
        "select country, region_code, isic4_division, density from marts.relatedness_density").fetchall()}
    divisions = {i for i, _ in expected}
    assert set(density) == {(c, r, k) for (c, r) in lqs for k in divisions}
    for (country, region), row in lqs.items():
        for k in divisions:
            related = {j: p for (i, j), p in expected.items() if i == k}
            want = sum(p for j, p in related.items() if row.get(j, 0) >= 1) / sum(related.values())
            assert density[(country, region, k)] == pytest.approx(want, abs=1e-7), (region, k)


def test_every_pair_and_its_components(matched):
    _, con = matched
    got = _matches(con)
    expected = _expected_components()
    assert set(got.index) == set(expected)
    for pair, exp in expected.items():
        row = got.loc[pair]
        assert row["m1_same_value_chain"] == pytest.approx(exp["m1"], abs=1e-6), pair
        assert row["m3_relatedness_density"] == pytest.approx(exp["m3"], abs=1e-6), pair
        assert row["m5_tier_complementarity"] == exp["m5"], pair
        if exp["m4"] is None:
            assert pd.isna(row["m4_trade_complementarity"]), pair
        else:
            assert row["m4_trade_complementarity"] == pytest.approx(exp["m4"], abs=1e-6), pair
        assert row["score"] == pytest.approx(exp["score"], abs=1e-6), pair
    # Mexico loads no exports: no competition penalty (M6 needs exports on both sides).
    assert got["m6_export_similarity"].isna().all()
    assert (got["m7_type_complementarity"] == 0).all()


def test_the_footwear_pair_worked_out_by_hand(matched):
    _, con = matched
    row = _matches(con).loc[("SLLA", "ZM01")]
    # Same ISIC class: ATECO 15.20 and SCIAN 316211 both link to ISIC 1520 (footwear): M1 = 1, and the reason names
    # the class rather than the wider ISTAT group. SLLA's textile and leather machinery (28.94) has
    # LQ (300 / 950) / (320 / 7,420) = 7.32 >= 2 and ZM01's footwear LQ is far above 1.5: M5 = 1.
    assert (row["m1_same_value_chain"], row["m5_tier_complementarity"], bool(row["machinery_meets_users"])) == (1, 1, True)
    m3 = row["m3_relatedness_density"]
    # SLLA exports 80 % footwear (15) and 20 % machinery (28); Mexico's imports put 200 / 1,900 on 15
    # (640399 split over its six ISIC classes, two in 15) and 100 / 1,900 on 28 (844630: 2826, 3312,
    # 3320): TC = 100 * (200 + 100) / 1,900.
    assert row["m4_trade_complementarity"] == pytest.approx(100 * 300 / 1900, abs=1e-6)
    # 0.25 M1 + 0.15 M3 + 0.20 M4 / 100 + 0.20 M5 + 0.10 M7 (M7 = 0), nothing missing but M6 (Mexico exports nothing).
    assert row["score"] == pytest.approx(0.25 + 0.15 * m3 + 0.20 * 300 / 1900 + 0.20, abs=1e-6)
    assert row["top_components"].startswith("M1,M5")
    assert (row["first_isic4_class"], row["second_isic4_class"]) == ("1520", "1520")
    assert row["reason_en"].startswith(
        "same industry (ISIC class 1520); machinery makers of Sistema SLLA (LQ 7.3) meet the users of Zona ZM01")
    assert row["reason_es"].startswith("misma industria (clase CIIU 1520)")
    assert row["reason_it"].startswith("stessa industria (classe ISIC 1520)")
    assert (row["rank_for_first"], row["rank_for_second"]) == (1, 1)


def test_rank_order_three_by_three(matched):
    _, con = matched
    got = _matches(con)
    expected = _expected_components()
    for m in MX_DISTRICTS:
        order = sorted(IT_DISTRICTS, key=lambda e: (-round(expected[(e, m)]["score"], 9), e))
        assert [got.loc[(e, m), "rank_for_second"] for e in order] == [1, 2, 3], m
    for e in IT_DISTRICTS:
        order = sorted(MX_DISTRICTS, key=lambda m: (-round(expected[(e, m)]["score"], 9), m))
        assert [got.loc[(e, m), "rank_for_first"] for m in order] == [1, 2, 3], e
    # Each Mexican district's best partner is the Italian district of its own value chain.
    assert {m: e for (e, m), r in got.iterrows() if r["rank_for_second"] == 1} == {
        "ZM01": "SLLA", "ZM02": "SLLB", "ZM03": "SLLC"}


def test_top5_view_and_classification_gaps(matched):
    _, con = matched
    top = con.execute(
        "select district_id, partners, partner_1_district_id, partner_1_score from marts.partner_top5 order by 1"
    ).fetchall()
    assert [(d, n, p1) for d, n, p1, _ in top] == [
        ("MX-ZM01-316211", 3, "IT-SLLA-15.20"), ("MX-ZM02-313210", 3, "IT-SLLB-13.20"),
        ("MX-ZM03-337120", 3, "IT-SLLC-31.09")]
    # Every ATECO class links to the ISIC class of the bundled NACE Rev.2 correspondence (read here with csv):
    # nothing of the registers is left in classification_gaps.
    import csv

    from pipelines.paths import REFERENCE_DIR

    with open(REFERENCE_DIR / "nace_isic" / "nace2_isic4_classes.csv", newline="", encoding="utf-8") as f:
        nace = {r["nace2_class"]: r["isic4_class"] for r in csv.DictReader(f)}
    codes = sorted({code for rows in IT_UNITS.values() for code, _, _ in rows})
    links = dict(con.execute(
        "select industry_code, isic4_code from intermediate.int_industry_isic4 "
        "where industry_system = 'ATECO2007' and link_level = 'class'"
    ).fetchall())
    assert {c: links.get(c) for c in codes} == {c: nace[c] for c in codes}
    assert con.execute("select count(*) from marts.classification_gaps").fetchone()[0] == 0


def test_matching_sensitivity_counts_changed_best_partners(matched):
    from pipelines.sensitivity import run_matching_sensitivity

    paths, _ = matched
    rows = run_matching_sensitivity(paths, ["match_weight_m5", "match_weight_m1"], delta=0.2)

    def best(weights):
        scores = _expected_components(weights)
        return {m: min(IT_DISTRICTS, key=lambda e: (-round(scores[(e, m)]["score"], 9), e)) for m in MX_DISTRICTS}

    base = best(WEIGHTS)
    expected = []
    for name in ("m5", "m1"):
        for factor in (0.8, 1.2):
            moved = best({**WEIGHTS, name: WEIGHTS[name] * factor})
            expected.append((f"match_weight_{name}", round(WEIGHTS[name] * factor, 6),
                             sum(1 for m in MX_DISTRICTS if moved[m] != base[m])))
    assert [(r.weight, r.new_value, r.top_partner_changes) for r in rows] == expected
    assert all(r.districts == 3 for r in rows)
    with pytest.raises(ValueError, match="not a matching weight"):
        run_matching_sensitivity(paths, ["district_min_lq"])


def test_crosswalk_coverage_of_the_bundled_classifications(refreshed):
    """Every industry code of the bundled statistics and registers reaches ISIC Rev.4, read straight from the
    bundled files; the warehouse lists what does not reach an ISIC class in classification_gaps."""
    import csv

    from pipelines.paths import REFERENCE_DIR, SAMPLE_RAW_DIR

    with open(REFERENCE_DIR / "crosswalks_un_census" / "naics2017_to_isic4.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))[1:]
    naics_linked = {r[1].strip() for r in rows if len(r) > 4 and r[4].strip().isdigit()}
    with open(REFERENCE_DIR / "scian_ciiu_mx" / "scian_ciiu_correspondence.csv", newline="", encoding="utf-8") as f:
        scian_linked = {r["SCIAN"] for r in csv.DictReader(f) if r["CIIU"].strip().isdigit()}
    cbp_codes = set()
    for path in sorted((SAMPLE_RAW_DIR / "us" / "cbp").glob("*/*.csv")):
        with open(path, newline="", encoding="utf-8") as f:
            cbp_codes |= {r["Naics"] for r in csv.DictReader(f)}
    ateco_codes = set()
    for path in sorted((SAMPLE_RAW_DIR / "it" / "asia_ul").glob("*/*.csv")):
        with open(path, newline="", encoding="cp1252") as f:
            ateco_codes |= {r["ateco_2007"][:5] for r in csv.DictReader(f, delimiter=";")}
    with open(REFERENCE_DIR / "nace_isic" / "nace2_isic4_classes.csv", newline="", encoding="utf-8") as f:
        ateco_linked = {r["nace2_class"] for r in csv.DictReader(f)}
    denue_codes = set()
    for path in sorted((SAMPLE_RAW_DIR / "mx" / "denue").glob("*/*.csv")):
        with open(path, newline="", encoding="utf-8") as f:
            denue_codes |= {r["clee"][5:11] for r in csv.DictReader(f)}
    coverage = {
        "NAICS2017 (CBP)": len(cbp_codes & naics_linked) / len(cbp_codes),
        "SCIAN2018 (DENUE)": len(denue_codes & scian_linked) / len(denue_codes),
        "ATECO2007 (ASIA)": len(ateco_codes & ateco_linked) / len(ateco_codes),
    }
    assert coverage == {"NAICS2017 (CBP)": 1.0, "SCIAN2018 (DENUE)": 1.0, "ATECO2007 (ASIA)": 1.0}, coverage
    paths, _ = refreshed
    with duckdb.connect(str(paths.warehouse_db), read_only=True) as con:
        gaps = dict(con.execute(
            "select country || ' ' || gap_kind, count(*) from marts.classification_gaps group by all").fetchall())
        bridged = con.execute(
            "select count(*) from (select distinct c.industry_system, c.industry_code "
            "from intermediate.int_region_industry_lq as c join intermediate.int_industry_isic4 as b "
            "using (industry_system, industry_code))"
        ).fetchone()[0]
        codes = con.execute(
            "select count(*) from (select distinct industry_system, industry_code from intermediate.int_region_industry_lq)"
        ).fetchone()[0]
    # Every code reaches an ISIC class, so nothing is listed.
    assert gaps == {}
    assert bridged == codes


def test_query_lists_the_european_partners_of_a_mexican_district(refreshed):
    """The default refresh publishes, for every Mexican district of the sample, its Italian partners with
    scores and reasons, readable with `crosscluster query`."""
    import csv
    import io
    import subprocess
    import sys

    paths, _ = refreshed
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        mexican = [r[0] for r in con.execute(
            "select district_id from districts where country = 'MX' "
            "and ref_year = (select max(ref_year) from districts where country = 'MX') order by 1").fetchall()]
        italian = con.execute(
            "select count(*) from districts where country = 'IT' "
            "and ref_year = (select max(ref_year) from districts where country = 'IT')").fetchone()[0]
    assert mexican and italian
    sql = (f"select first_district_id, score, rank_for_second, reason_en from partner_matches "
           f"where second_district_id = '{mexican[0]}' order by rank_for_second")
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "query", "--warehouse", str(paths.warehouse_dir), "--format", "csv", sql],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [int(r["rank_for_second"]) for r in rows] == list(range(1, italian + 1))
    assert all(r["first_district_id"].startswith("IT-") for r in rows)
    scores = [float(r["score"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert rows[0]["reason_en"]
