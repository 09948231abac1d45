"""Disclosure control on the refreshed sample: no published register cell breaks the frequency or dominance
rule (recomputed here in Python from the register units, independently of the dbt macro), no suppressed value
is shown, and the audit, recorded in the release, finds every suppressed cell protected."""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from pipelines.disclosure import FREE, audit_warehouse, load_disclosure_rules, primary_status

RULES = load_disclosure_rules()
KEY = ["country", "ref_year", "area_code", "industry_system", "industry_code"]


def test_no_published_register_cell_breaks_the_primary_rules(refreshed):
    paths, _ = refreshed
    con = duckdb.connect(str(paths.warehouse_db), read_only=True)
    try:
        units = con.execute(
            "select country, ref_year, area_code, industry_system, class_code as industry_code, employees "
            "from intermediate.int_establishments_sized"
        ).df()
        published = con.execute(
            "select country, ref_year, area_code, industry_system, industry_code, establishments, employees, "
            "lq, national_share, conf_status from marts.area_industry where country in ('IT', 'MX')"
        ).df()
    finally:
        con.close()
    expected = {key: primary_status(list(part["employees"]), RULES) for key, part in units.groupby(KEY)}
    assert len(expected) == len(published)
    unsafe = 0
    for row in published.itertuples(index=False):
        key = (row.country, row.ref_year, row.area_code, row.industry_system, row.industry_code)
        if expected[key] != FREE:
            unsafe += 1
            assert row.conf_status == expected[key], key  # primary status as recomputed
        if row.conf_status != FREE:
            # Flags, not zeros: nothing of a suppressed cell, nor what derives from it, is shown.
            assert pd.isna(row.employees) and pd.isna(row.establishments) and pd.isna(row.lq), key
    assert unsafe > 0  # the sample has unsafe cells, so the rules are exercised
    assert set(published["conf_status"]) <= {"F", "A", "O", "T", "D"}


def test_the_audit_finds_every_suppressed_cell_protected_and_the_release_records_it(refreshed):
    paths, report = refreshed
    con = duckdb.connect(str(paths.warehouse_db), read_only=True)
    try:
        result = audit_warehouse(con, RULES)
    finally:
        con.close()
    assert result["suppressed_cells_audited"] > 0 and result["unprotected_cells"] == 0
    assert result["district_component_cells_audited"] > 0  # tiers and size classes under the district totals
    assert result["narrowest_protection"] >= RULES.protection_width
    manifest = json.loads((paths.releases_dir / report.release["release_id"] / "manifest.json").read_text())
    assert manifest["disclosure"]["rules_sha256"] == RULES.sha256
    assert manifest["disclosure"]["audit"]["unprotected_cells"] == 0
    # The release quotes the blocking check's audit of this build (not audited a second time): the same result.
    assert manifest["disclosure"]["audit"] == json.loads(json.dumps(result))
    assert "marts/area_industry:disclosure_audit" not in report.checks_failed


def test_the_export_share_takes_the_status_of_the_turnover_behind_it(refreshed):
    """The export share quotes the main industry's turnover in the district's region: recomputed here from the
    register units (Python's primary_status on their turnover), it sets the status of the indicator, of the
    markets gap and of the typology explanations that would quote it."""
    paths, _ = refreshed
    con = duckdb.connect(str(paths.warehouse_db), read_only=True)
    try:
        units = con.execute(
            """
            select d.district_id, d.ref_year, u.turnover
            from intermediate.int_districts as d
            join intermediate.int_establishments_sized as u
                on u.country = d.country and u.ref_year = d.ref_year and u.industry_system = d.industry_system
                and u.class_code = d.main_industry_code
            left join intermediate.int_area_regions as r on r.country = u.country and r.area_code = u.area_code
            where coalesce(r.region_code, u.area_code) = d.area_code and u.turnover is not null
            """
        ).df()
        indicators = con.execute(
            "select district_id, ref_year, obs_value, conf_status from marts.district_indicators "
            "where indicator = 'export_share'").df()
        gaps = con.execute("select district_id, ref_year, gap, measured_value, conf_status from marts.district_gaps").df()
        typology = con.execute("select * from marts.district_typology").df()
    finally:
        con.close()
    expected = {key: primary_status(list(part["turnover"]), RULES)
                for key, part in units.groupby(["district_id", "ref_year"])}
    assert expected  # the sample's registers carry turnover
    for row in indicators.itertuples(index=False):
        status = expected.get((row.district_id, row.ref_year), FREE)
        assert row.conf_status == status, (row.district_id, row.ref_year)
        if status != FREE:
            assert pd.isna(row.obs_value)
    markets = gaps[gaps["gap"] == "markets"]
    for row in markets.itertuples(index=False):
        assert row.conf_status == expected.get((row.district_id, row.ref_year), FREE)
    # Every protected gap measure is empty, and the typology of its district inherits a status and quotes nothing.
    protected = gaps[gaps["conf_status"] != FREE]
    assert len(protected) > 0 and protected["measured_value"].isna().all()
    flagged = typology.merge(protected[["district_id", "ref_year"]].drop_duplicates(), on=["district_id", "ref_year"])
    assert (flagged["conf_status"] != FREE).all()
    for row in typology.itertuples(index=False):
        withheld = "withheld (CONF_STATUS" in row.explanation_en
        assert withheld <= (row.conf_status != FREE), row.district_id


STRONGEST_FIRST = ["A", "O", "T", "D"]


def _strongest(statuses) -> str:
    present = set(statuses)
    return next((code for code in STRONGEST_FIRST if code in present), FREE)


def test_sforzi_size_class_lqs_take_the_status_of_their_bands(refreshed):
    """The Sforzi-ISTAT size-class LQs of a region reveal its manufacturing employment by size band: each band's
    status is recomputed here from the register units (Python's primary_status), the three LQs take the
    strongest, and a protected LQ is empty."""
    paths, _ = refreshed
    con = duckdb.connect(str(paths.warehouse_db), read_only=True)
    try:
        units = con.execute(
            """
            select u.country, u.ref_year, r.region_code, u.employees,
                   case when u.size_class in ('micro', 'small') then 'small' else u.size_class end as band
            from intermediate.int_establishments_sized as u
            join intermediate.int_area_regions as r on r.country = u.country and r.area_code = u.area_code
            join intermediate.int_industry_code_groups as g
                on g.industry_system = u.industry_system and g.industry_code = u.class_code
            where g.macro_sector = 'manufacturing'
            """
        ).df()
        published = con.execute(
            "select country, ref_year, area_code, lq_small_units, lq_medium_units, lq_large_units, "
            "size_conf_status, conf_status from marts.sforzi_istat where country in ('IT', 'MX')").df()
    finally:
        con.close()
    bands = {key: primary_status(list(part["employees"]), RULES)
             for key, part in units.groupby(["country", "ref_year", "region_code", "band"])}
    expected: dict[tuple, list[str]] = {}
    for (country, year, region, _band), status in bands.items():
        expected.setdefault((country, year, region), []).append(status)
    protected = 0
    for row in published.itertuples(index=False):
        status = _strongest(expected.get((row.country, row.ref_year, row.area_code), []))
        assert row.size_conf_status == status, (row.country, row.area_code)
        if status != FREE:
            protected += 1
            assert pd.isna(row.lq_small_units) and pd.isna(row.lq_large_units)
            assert row.conf_status != FREE  # the steps' outcomes inherit it
    assert protected > 0


def test_district_totals_take_the_primary_status_of_their_units(refreshed):
    """A district's total is a cell too: recomputed here from its register units (Python's primary_status), a
    total that breaks a rule is withheld with its status in districts, district_indicators and the size facts."""
    paths, _ = refreshed
    con = duckdb.connect(str(paths.warehouse_db), read_only=True)
    try:
        units = con.execute("select district_id, ref_year, employees from intermediate.int_district_unit_tiers").df()
        districts = con.execute("select district_id, ref_year, employees, conf_status from marts.districts").df()
        indicators = con.execute(
            "select district_id, ref_year, obs_value, conf_status from marts.district_indicators "
            "where indicator = 'employees'").df()
        facts = con.execute("select district_id, ref_year, measured_value, conf_status from marts.district_size_facts").df()
    finally:
        con.close()
    expected = {key: primary_status(list(part["employees"]), RULES)
                for key, part in units.groupby(["district_id", "ref_year"])}
    assert expected
    shown = {}
    for row in districts.itertuples(index=False):
        status = expected.get((row.district_id, row.ref_year), FREE)
        if status != FREE:
            assert row.conf_status == status and pd.isna(row.employees)
        else:
            assert row.conf_status in (FREE, "D")
        shown[(row.district_id, row.ref_year)] = row.conf_status
    for frame in (indicators, facts):
        for row in frame.itertuples(index=False):
            assert row.conf_status == shown[(row.district_id, row.ref_year)]
            value = row.obs_value if hasattr(row, "obs_value") else row.measured_value
            assert pd.isna(value) == (row.conf_status != FREE)


def test_the_audit_of_an_unchanged_partition_is_reused_and_a_changed_one_is_solved_again(refreshed):
    """A partition keeps its earlier tally only while the hash of what its audit reads is the same."""
    import copy

    paths, _ = refreshed
    con = duckdb.connect(str(paths.warehouse_db), read_only=True)
    try:
        first = audit_warehouse(con, RULES)
        partitions = sorted(first["partitions"])
        assert len(partitions) >= 4 and first["partitions_reused"] == 0

        again = audit_warehouse(con, RULES, previous=first)
        assert again["partitions_reused"] == len(partitions)
        assert {k: v for k, v in again.items() if k != "partitions_reused"} == \
            {k: v for k, v in first.items() if k != "partitions_reused"}

        # A recorded tally is what a reused partition reports (the reuse is real) ...
        marked = copy.deepcopy(first)
        marked["partitions"][partitions[0]]["audited"] += 1000
        assert audit_warehouse(con, RULES, previous=marked)["suppressed_cells_audited"] == \
            first["suppressed_cells_audited"] + 1000
        # ... and a partition whose content hash differs is audited again.
        marked["partitions"][partitions[0]]["digest"] = "0" * 32
        redone = audit_warehouse(con, RULES, previous=marked)
        assert redone["partitions_reused"] == len(partitions) - 1
        assert redone["suppressed_cells_audited"] == first["suppressed_cells_audited"]
        # Other rules or other audit code: nothing is reused.
        assert audit_warehouse(con, RULES, previous={**first, "audit_code_sha256": "x"})["partitions_reused"] == 0
    finally:
        con.close()
