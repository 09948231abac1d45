"""Today's definitions and real geography, checked on the bundled data against values computed here
from the bundled CSVs with the csv module (never from the pipeline's own tables):

* the U.S. Cluster Mapping Project's 2014 definitions (51 traded clusters, its numbers and names),
  reached from CBP's NAICS 2017 through the Census 2017 -> 2012 concordance in equal parts;
* state results, and the nation as the sum over the states;
* Italy on ISTAT's SLL 2021, and ATECO classes linked to ISIC Rev.4 classes.
"""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest

from pipelines.paths import DBT_PROJECT_DIR, REFERENCE_DIR, SAMPLE_RAW_DIR

CBP_DIR = SAMPLE_RAW_DIR / "us" / "cbp" / "2021"
STATE_FILE = CBP_DIR / "US-census-naics6-2021.csv"
CLUSTERS_DIR = REFERENCE_DIR / "us_cluster_mapping_2014"
SLL_DIR = REFERENCE_DIR / "istat_sll"


def _rows(path, **kwargs):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, **kwargs))


@pytest.fixture(scope="module")
def definitions():
    """NAICS 2012 code -> (cluster code, name, type), from the bundled definition file."""
    return {r["naics2012"]: (r["cluster_code"], r["cluster_name"], r["cluster_type"]) for r in _rows(
        CLUSTERS_DIR / "cluster_naics2012.csv"
    )}


@pytest.fixture(scope="module")
def cluster_weights(definitions):
    """NAICS 2017 code -> {cluster code: share}: equal parts over its NAICS 2012 codes."""
    to_2012 = defaultdict(set)
    for r in _rows(REFERENCE_DIR / "naics_vintages" / "naics2017_to_naics2012.csv"):
        to_2012[r["naics2017"]].add(r["naics2012"])
    weights = {}
    for n17, targets in to_2012.items():
        shares = defaultdict(float)
        for n12 in targets:
            if n12 in definitions:
                shares[definitions[n12][0]] += 1 / len(targets)
        weights[n17] = dict(shares)
    return weights


@pytest.fixture(scope="module")
def county_cells():
    cells = {}
    for path in sorted(CBP_DIR.glob("US-*-census-naics6-counties-2021.csv")):
        for r in _rows(path):
            cells[(r["Fips"], r["Naics"])] = (int(r["Establishments"]), int(r["Employees"]), int(r["Payroll"]))
    return cells


@pytest.fixture(scope="module")
def state_cells():
    return {
        (r["Fips"], r["Naics"]): (int(r["Establishments"]), int(r["Employees"]), int(r["Payroll"])) for r in _rows(STATE_FILE)
    }


def _cluster_totals(cells, weights, region):
    """{cluster: (employees, establishments, payroll)} of one region, from raw cells and the weights."""
    out = defaultdict(lambda: [0.0, 0.0, 0.0])
    for (r, naics), (est, emp, pay) in cells.items():
        if r != region:
            continue
        for cluster, share in weights.get(naics, {}).items():
            out[cluster][0] += emp * share
            out[cluster][1] += est * share
            out[cluster][2] += pay * share
    return out


def test_traded_clusters_are_the_projects_51_with_its_numbers_and_names(published):
    expected = {
        (r["cluster_code"], r["cluster_name"])
        for r in _rows(CLUSTERS_DIR / "clusters.csv")
        if r["cluster_type"] == "traded"
    }
    assert len(expected) == 51
    assert {c for c, _ in expected} == {str(n) for n in range(1, 52)}
    got = set(
        published.execute(
            "select distinct cluster_code, cluster_name from cluster_strength where is_traded and region_type = 'state'"
        ).fetchall()
    )
    assert got == expected
    # No cluster of the older 41-cluster set survives.
    names = {n for (n,) in published.execute("select distinct cluster_name from cluster_strength").fetchall()}
    assert not names & {"Aerospace Engines", "Heavy Machinery", "Prefabricated Enclosures"}


@pytest.mark.parametrize(
    ("county", "cluster", "name"),
    [
        ("13313", "42", "Textile Manufacturing"),  # Whitfield County, GA: Dalton's carpet mills
        ("18039", "44", "Trailers, Motor Homes, and Appliances"),  # Elkhart County, IN
    ],
)
def test_well_known_counties_are_strong_in_their_cluster(published, county_cells, cluster_weights, county, cluster,
                                                         name):
    employees, establishments, payroll = _cluster_totals(county_cells, cluster_weights, county)[cluster]
    row = published.execute(
        "select cluster_name, employees, establishments, is_strong, lq_reference, payroll from cluster_strength "
        "where region_type = 'county' and region_code = ? and cluster_code = ?",
        [county, cluster],
    ).fetchone()
    assert row[0] == name
    assert row[1] == pytest.approx(employees, abs=1e-3)
    assert row[2] == pytest.approx(establishments, abs=1e-3)
    assert row[5] == pytest.approx(payroll, abs=1e-3)
    assert row[3] is True
    assert row[4] == "sum_of_states"


def test_state_cluster_totals_are_the_sum_of_the_clusters_codes_in_the_state_file(
    published, state_cells, cluster_weights
):
    # Georgia (13), Textile Manufacturing (42); North Carolina (37), Furniture (21).
    for state, cluster in (("13", "42"), ("37", "21")):
        employees, establishments, payroll = _cluster_totals(state_cells, cluster_weights, state)[cluster]
        row = published.execute(
            "select employees, establishments, payroll from cluster_strength "
            "where region_type = 'state' and region_code = ? and cluster_code = ?",
            [state, cluster],
        ).fetchone()
        assert row == (
            pytest.approx(employees, abs=1e-3), pytest.approx(establishments, abs=1e-3), pytest.approx(payroll, abs=1e-3)
        )


def test_every_state_of_the_file_has_state_results_and_the_lq_is_against_the_nation(
    published, state_cells, cluster_weights, definitions
):
    states = {s for s, _ in state_cells}
    assert len(states) == 50 and "11" not in states  # the District of Columbia is not in the file
    got = {s for (s,) in published.execute(
        "select distinct region_code from cluster_strength where region_type = 'state'"
    ).fetchall()}
    assert got == states
    # LQ of Georgia's Textile Manufacturing: (E_rc / E_r,traded) / (E_c / E_traded), the nation = all states.
    traded = {code for code, _, kind in definitions.values() if kind == "traded"}
    region, nation = defaultdict(float), defaultdict(float)
    for (s, naics), (_, emp, _) in state_cells.items():
        for cluster, share in cluster_weights.get(naics, {}).items():
            nation[cluster] += emp * share
            if s == "13":
                region[cluster] += emp * share
    region_traded = sum(v for c, v in region.items() if c in traded)
    nation_traded = sum(v for c, v in nation.items() if c in traded)
    expected = (region["42"] / region_traded) / (nation["42"] / nation_traded)
    lq = published.execute(
        "select lq from cluster_strength where region_type = 'state' and region_code = '13' and cluster_code = '42'"
    ).fetchone()[0]
    assert lq == pytest.approx(expected, abs=2e-6)


def test_national_reference_is_the_sum_over_all_states(refreshed_warehouse, published, state_cells, county_cells):
    nation = defaultdict(int)
    for (_, naics), (_, emp, _) in state_cells.items():
        nation[naics] += emp
    got = dict(
        refreshed_warehouse.execute(
            "select industry_code, industry_employees from intermediate.int_industry_totals "
            "where country = 'US' and lq_reference = 'sum_of_states'"
        ).fetchall()
    )
    assert got == dict(nation)
    # County LQ of Dalton's carpet mills against the nation: (E_ri / E_r) / (E_i / E).
    e_ri = county_cells[("13313", "314110")][1]
    e_r = sum(emp for (c, _), (_, emp, _) in county_cells.items() if c == "13313")
    expected = (e_ri / e_r) / (nation["314110"] / sum(nation.values()))
    lq, reference = published.execute(
        "select lq, lq_reference from area_industry where area_code = '13313' and industry_code = '314110'"
    ).fetchone()
    assert (lq, reference) == (pytest.approx(expected, abs=1e-6), "sum_of_states")


def test_cluster_mapping_gaps_recomputed_from_the_reference_files(published, county_cells, state_cells,
                                                                   cluster_weights):
    """Every CBP code whose employment reaches no cluster, wholly or in part, and no other."""
    expected = {}
    for region_type, cells in (("county", county_cells), ("state", state_cells)):
        employees = defaultdict(int)
        for (_, naics), (_, emp, _) in cells.items():
            employees[naics] += emp
        for naics, emp in employees.items():
            unassigned = 1 - sum(cluster_weights.get(naics, {}).values())
            if unassigned > 1e-9:
                expected[(region_type, naics)] = (emp, round(unassigned, 6))
    got = {
        (r, c): (e, s)
        for r, c, e, s in published.execute(
            "select region_type, industry_code, employees, unassigned_share from cluster_mapping_gaps"
        ).fetchall()
    }
    assert got == expected


def test_italian_districts_sit_on_real_sll_2021_with_istats_names_and_specialisation(published):
    sll = {r["COD_SLL"]: r["DEN_SLL"] for r in _rows(SLL_DIR / "sll2021_comuni.csv")}
    groups = {r["SLL_2021_T"]: r["Cod_gruppo"] for r in _rows(SLL_DIR / "sll2021_specializzazione.csv")}
    prefixes = defaultdict(list)
    for r in _rows(DBT_PROJECT_DIR / "seeds" / "istat_sll_specialisation_codes.csv"):
        prefixes[r["specialisation_group"]].append(r["code_prefix"])
    rows = published.execute(
        "select area_level, area_code, area_name, main_industry_code, istat_sll_specialisation, "
        "agrees_with_istat_specialisation from districts where country = 'IT'"
    ).fetchall()
    assert rows
    agree = 0
    for level, code, name, industry, group, agrees in rows:
        assert level == "lma"
        assert name == sll[code]
        assert group == groups[code]
        assert agrees == any(industry.startswith(p) for p in prefixes[group])
        agree += agrees
    shares = published.execute(
        "select sum(districts_classified), sum(districts_agreeing) from specialisation_agreement where country = 'IT'"
    ).fetchone()
    assert shares == (len(rows), agree)


def test_every_listed_italian_municipality_reaches_an_sll(refreshed_warehouse):
    comuni = refreshed_warehouse.execute("select count(*) from reference.areas where country = 'IT'").fetchone()[0]
    placed = refreshed_warehouse.execute(
        "select count(*), count(distinct lma_code) from intermediate.int_areas "
        "where country = 'IT' and geo_vintage = 'SLL2021'"
    ).fetchone()
    assert placed == (comuni, len({r["COD_SLL"] for r in _rows(SLL_DIR / "sll2021_comuni.csv")}))


def test_ateco_classes_link_to_isic_classes(refreshed_warehouse, published):
    links = dict(
        refreshed_warehouse.execute(
            "select industry_code, isic4_code from intermediate.int_industry_isic4 "
            "where industry_system = 'ATECO2007' and industry_code in ('14.13', '15.20', '23.31')"
        ).fetchall()
    )
    assert links == {"14.13": "1410", "15.20": "1520", "23.31": "2392"}
    assert published.execute(
        "select count(*) from classification_gaps where code_system = 'ATECO2007'"
    ).fetchone()[0] == 0
