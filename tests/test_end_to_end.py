"""One refresh of the bundled sample, checked against values computed here from the raw CSVs."""

from __future__ import annotations

import csv
import json
import statistics
from collections import defaultdict

import duckdb
import pytest

from pipelines.paths import SAMPLE_RAW_DIR
from pipelines.publish import PUBLISHED_TABLES, STORAGE_COMPATIBILITY_VERSION, table_fingerprint
from pipelines.rules import load_rule_set

CBP_DIR = SAMPLE_RAW_DIR / "us" / "cbp" / "2021"


@pytest.fixture(scope="module")
def raw_cells():
    """(county, naics) -> (establishments, employees, payroll) read with the csv module."""
    cells = {}
    for path in sorted(CBP_DIR.glob("US-*-census-naics6-counties-2021.csv")):
        with open(path, newline="") as handle:
            for row in csv.DictReader(handle):
                cells[(row["Fips"], row["Naics"])] = (
                    int(row["Establishments"]),
                    int(row["Employees"]),
                    int(row["Payroll"]),
                )
    return cells


@pytest.fixture(scope="module")
def nation():
    """naics -> employees summed over the 50 states of the state file (the U.S. national reference)."""
    totals = defaultdict(int)
    with open(CBP_DIR / "US-census-naics6-2021.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            totals[row["Naics"]] += int(row["Employees"])
    return totals


def _independent_lq(cells, nation, county, naics):
    e_ri = cells[(county, naics)][1]
    e_r = sum(v[1] for (c, _), v in cells.items() if c == county)
    e_i = nation[naics]
    e = sum(nation.values())
    return e_ri, e_r, e_i, e, (e_ri / e_r) / (e_i / e)


@pytest.mark.parametrize(
    ("county", "naics"),
    [
        ("13313", "314110"),  # Whitfield County, GA (Dalton) - carpet and rug mills
        ("18039", "336214"),  # Elkhart County, IN - travel trailers and campers
        ("37035", "337121"),  # Catawba County, NC - upholstered household furniture
        ("26163", "336111"),  # Wayne County, MI - automobile manufacturing
        ("13121", "541511"),  # Fulton County, GA - custom computer programming
    ],
)
def test_area_industry_cells_match_the_raw_files(published, raw_cells, nation, county, naics):
    est, emp, payroll = raw_cells[(county, naics)]
    e_ri, e_r, e_i, e, lq = _independent_lq(raw_cells, nation, county, naics)
    row = published.execute(
        "select establishments, employees, payroll, lq, national_share, prevalence_index, lq_reference "
        "from area_industry where country = 'US' and ref_year = 2021 and area_code = ? and industry_code = ?",
        [county, naics],
    ).fetchone()
    assert row[0] == est and row[1] == emp and row[2] == payroll
    assert row[3] == pytest.approx(lq, abs=5e-7)
    assert row[4] == pytest.approx(e_ri / e_i, abs=5e-9)
    assert row[5] == pytest.approx(e_ri - e_r * e_i / e, abs=0.006)
    assert row[6] == "sum_of_states"


def test_every_raw_cell_is_published_once(published, raw_cells):
    n, emp = published.execute("select count(*), sum(employees) from area_industry where country = 'US'").fetchone()
    assert n == len(raw_cells) == 48552
    assert emp == sum(v[1] for v in raw_cells.values())


def test_withheld_employment_has_no_lq(published, raw_cells):
    withheld = {k for k, v in raw_cells.items() if v[1] == 0 and v[2] > 0}
    rows = published.execute(
        "select area_code, industry_code from area_industry where is_employment_withheld and lq is null"
    ).fetchall()
    assert set(rows) == withheld and len(withheld) == 49


def test_well_known_manufacturing_places_are_districts(published):
    rules = load_rule_set()
    found = {
        (r[0], r[1]): r[2:]
        for r in published.execute(
            "select area_code, main_industry_code, firms, employees, has_critical_mass "
            "from districts where country = 'US'"
        ).fetchall()
    }
    assert ("18039", "336214") in found  # Elkhart RVs
    assert ("13313", "314110") in found  # Dalton carpets
    assert ("37035", "337121") in found  # Hickory furniture
    firms, employees, critical = found[("18039", "336214")]
    assert employees > rules["size_many_employees"] and critical == (employees >= rules["critical_mass_employees"])


def test_district_rules_hold_for_every_district(published, refreshed):
    paths, _ = refreshed
    with duckdb.connect(str(paths.warehouse_db), read_only=True) as wh:
        params = load_rule_set().values
        manufacturing = {
            r[0]: (r[1], r[2])
            for r in wh.execute(
                "select industry_system, manufacturing_from, manufacturing_to from reference.industry_systems"
            ).fetchall()
        }
    rows = published.execute(
        "select industry_system, main_industry_code, lq, firms, employees, national_share from districts"
    ).fetchall()
    assert {r[0] for r in rows} == {"NAICS2017", "ATECO2007", "SCIAN2018"}
    for system, code, lq, firms, employees, share in rows:
        low, high = manufacturing[system]
        assert low <= code[:2] <= high
        assert lq >= params["district_min_lq"] and firms >= params["district_min_establishments"]
        assert employees >= params["district_min_employees"] and share >= params["district_min_national_share"]
    # The main industry is the area's qualifying manufacturing industry with the highest
    # prevalence index: no other qualifying cell of the area beats it.
    beaten = published.execute(
        """
        select count(*) from districts d join area_industry a
          on a.country = d.country and a.ref_year = d.ref_year and a.area_code = d.area_code
        where d.country = 'US' and substr(a.industry_code, 1, 2) between '31' and '33'
          and a.lq >= ? and a.establishments >= ? and a.employees >= ? and a.national_share >= ?
          and a.prevalence_index > d.prevalence_index
        """,
        [
            params["district_min_lq"],
            params["district_min_establishments"],
            params["district_min_employees"],
            params["district_min_national_share"],
        ],
    ).fetchone()[0]
    assert beaten == 0


def test_size_facts_are_the_shares_of_district_flags(published):
    """Each size fact recomputed from the districts' firms and employees, with the fact's comparison and the
    threshold read from the rule set (seeds/size_fact_rules.csv says which rule each fact uses)."""
    import operator

    from pipelines.paths import DBT_PROJECT_DIR

    rules = load_rule_set()
    with open(DBT_PROJECT_DIR / "seeds" / "size_fact_rules.csv", newline="", encoding="utf-8") as handle:
        facts = list(csv.DictReader(handle))
    compare = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
    districts = published.execute(
        "select district_id, firms, employees from districts where country = 'US' and ref_year = 2021"
    ).fetchall()
    expected, expected_flags = {}, {}
    for f in facts:
        threshold = rules[f["threshold_parameter"]]
        column = 1 if f["measure"] == "firms" else 2
        meets = [compare[f["comparison"]](d[column], threshold) for d in districts]
        expected[f["fact"]] = (threshold, round(sum(meets) / len(districts), 6))
        expected_flags.update({(d[0], f["fact"]): (threshold, m) for d, m in zip(districts, meets)})
    got = {r[0]: (r[1], r[2]) for r in published.execute(
        "select fact, threshold, share from size_facts where country = 'US'").fetchall()}
    assert got == expected
    flags = {(r[0], r[1]): (r[2], r[3]) for r in published.execute(
        "select district_id, fact, threshold, meets from district_size_facts where country = 'US'").fetchall()}
    assert flags == expected_flags
    reference = dict(published.execute("select fact, reference_share from size_facts").fetchall())
    assert reference == {f["fact"]: float(f["reference_share"]) if f["reference_share"] else None for f in facts}


@pytest.mark.parametrize(("region_type", "minimum"), [("county", 5000), ("state", 2000)])
def test_strong_cluster_rule_recomputed_independently(published, region_type, minimum):
    """Recompute the percentile rule of METHOD.md 1.4 in Python for every cluster of one region type."""
    rows = published.execute(
        "select cluster_code, region_code, lq, employees, establishments, is_strong, is_strong10 "
        "from cluster_strength where region_type = ?",
        [region_type],
    ).fetchall()
    by_cluster = defaultdict(list)
    for r in rows:
        by_cluster[r[0]].append(r)
    checked = 0
    for cluster, members in by_cluster.items():
        if len(members) < 4:
            continue
        lqs = [m[2] for m in members]
        p75 = statistics.quantiles(lqs, n=4, method="inclusive")[2]
        p90 = statistics.quantiles(lqs, n=10, method="inclusive")[8]
        e25 = statistics.quantiles([m[3] for m in members], n=4, method="inclusive")[0]
        s25 = statistics.quantiles([m[4] for m in members], n=4, method="inclusive")[0]
        for _, region, lq, emp, est, strong, strong10 in members:
            size = emp > round(e25, 6) and est > round(s25, 6)
            assert strong == (lq >= round(p75, 6) and lq >= 1 and size), (cluster, region)
            assert strong10 == (lq >= round(p90, 6) and lq >= 1 and size), (cluster, region)
            checked += 1
    assert checked > minimum


def test_release_manifest_matches_the_published_files(refreshed):
    paths, report = refreshed
    release_dir = paths.releases_dir / report.release["release_id"]
    manifest = json.loads((release_dir / "manifest.json").read_text())
    assert set(manifest["tables"]) == set(PUBLISHED_TABLES)
    # The manifest names the rule-set file and the version and hash of its values, as pipelines/rules.py computes
    # them from the file; every published row carries them.
    rules = load_rule_set()
    assert manifest["rule_set"]["active"] == {"rule_set": rules.name, "version_and_hash": rules.version_and_hash}
    assert manifest["rule_set"]["sha256"] == rules.sha256
    assert manifest["rule_set"]["file"].endswith("rule_sets/district_v1.csv")
    active = rules.version_and_hash
    con_check = duckdb.connect()
    for table in ("districts", "district_typology", "district_tiers", "district_gaps", "sforzi_istat"):
        versions = con_check.execute(
            f"select distinct rule_set_version from read_parquet('{release_dir / (table + '.parquet')}')"
        ).fetchall()
        assert versions == [(active,)], table
    cbp_inputs = [i for i in manifest["inputs"] if i["catalogue_entry"] == "us_cbp_county"]
    assert len(cbp_inputs) == 4 and all(len(i["sha256"]) == 64 for i in cbp_inputs)
    con = duckdb.connect()
    for _table, meta in manifest["tables"].items():
        relation = f"read_parquet('{release_dir / meta['file']}')"
        assert con.execute(f"select count(*) from {relation}").fetchone()[0] == meta["rows"]
        assert table_fingerprint(con, relation) == meta["fingerprint"]
    latest = json.loads(paths.latest_release_file.read_text())
    assert latest["release_id"] == manifest["release_id"]


def test_published_file_is_readable_by_older_duckdb_storage(refreshed, published):
    paths, _ = refreshed
    tables = {r[0] for r in published.execute("show tables").fetchall()}
    assert set(PUBLISHED_TABLES) | {"release_info"} == tables
    con = duckdb.connect()
    con.execute(f"attach '{paths.published_db}' as pub (read_only)")
    tags = con.execute("select tags from duckdb_databases() where database_name = 'pub'").fetchone()[0]
    assert tags["storage_version"].startswith(STORAGE_COMPATIBILITY_VERSION)
    comment = con.execute(
        "select comment from duckdb_columns() where database_name = 'pub' and table_name = 'districts' "
        "and column_name = 'has_critical_mass'"
    ).fetchone()[0]
    assert "critical_mass_employees" in comment


def test_identification_methods_side_by_side(published):
    rows = {
        (r[0], r[1]): (r[2], r[3], r[4])
        for r in published.execute(
            "select region_code, identification_method, is_district, main_industry_code, method_note "
            "from district_identification where country = 'US' and region_code in ('13313', '18039')"
        ).fetchall()
    }
    # Dalton and Elkhart are districts by the thresholds and by the cluster-mapping route ...
    for county, naics in (("13313", "314110"), ("18039", "336214")):
        assert rows[(county, "lq_size_v1")][:2] == (True, naics)
        assert rows[(county, "cluster_mapping")][:2] == (True, naics)
        # ... and CBP has no unit sizes, so the Sforzi-ISTAT route says so instead of guessing.
        assert rows[(county, "sforzi_istat")][0] is None
    # Where registers give unit sizes, the cluster-mapping route defers to Sforzi-ISTAT.
    notes = published.execute(
        "select distinct method_note from district_identification "
        "where country in ('IT', 'MX') and identification_method = 'cluster_mapping'"
    ).fetchall()
    assert notes == [("unit sizes available: the Sforzi-ISTAT route applies",)]


def test_typology_class_distribution_of_the_sample_within_stated_bands(published):
    # Stated bands for the bundled sample (not a rule for every input, so not a blocking suite):
    # at least half of the districts are PRIMORDIAL or EVOLUTIVO, at most a fifth REPOSICIONADO,
    # and every district has a class.
    counts = dict(published.execute("select typology_class, count(*) from district_typology group by 1").fetchall())
    total = published.execute("select count(*) from districts").fetchone()[0]
    assert sum(counts.values()) == total
    assert (counts.get("PRIMORDIAL", 0) + counts.get("EVOLUTIVO", 0)) / total >= 0.5
    assert counts.get("REPOSICIONADO", 0) / total <= 0.2


def test_planted_districts_of_the_sample_show_their_profile(published):
    # The sample's generator planted each IT and MX district with a capability profile
    # (GENERATED.json): profile 1 without a division of labour, 2 with its input-output suppliers in
    # its area, 3 and 4 also with machinery makers and business services. Each is a district in both
    # of the sample's years, and dimension D2 (division of labour) reads the profile back: level 1,
    # 2, then at least 3.
    rows = published.execute(
        "select d.country, d.area_code, d.main_industry_code, t.ref_year, t.typology_class, t.level_d2, "
        "t.low_confidence from district_typology t join districts d using (district_id, ref_year) "
        "where d.country in ('IT', 'MX')"
    ).fetchall()
    found = defaultdict(dict)
    for country, area, code, year, typology_class, level_d2, low_confidence in rows:
        found[(country, area, code)][year] = (typology_class, level_d2, low_confidence)
    classes = set()
    for country in ("it", "mx"):
        manifest = json.loads((SAMPLE_RAW_DIR / country / "GENERATED.json").read_text())
        assert manifest["years"] == [2016, 2021]
        for planted in manifest["planted_districts"]:
            years = found[(country.upper(), planted["lma_code"], planted["industry_code"])]
            assert set(years) == {2016, 2021}, planted
            for typology_class, level_d2, low_confidence in years.values():
                profile = planted["capability_profile"]
                assert level_d2 == profile if profile <= 2 else level_d2 >= 3, (planted, level_d2)
                assert low_confidence is False
                classes.add(typology_class)
    # The ordered class rule gives at least three of the four classes on the sample.
    assert len(classes) >= 3, classes
