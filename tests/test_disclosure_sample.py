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
    assert result["narrowest_protection"] >= RULES.protection_width
    manifest = json.loads((paths.releases_dir / report.release["release_id"] / "manifest.json").read_text())
    assert manifest["disclosure"]["rules_sha256"] == RULES.sha256
    assert manifest["disclosure"]["audit"]["unprotected_cells"] == 0
    assert "marts/area_industry:disclosure_audit" not in report.checks_failed
