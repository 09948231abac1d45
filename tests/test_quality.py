"""The Great Expectations suites pass on the sample and catch implausible distributions."""

from __future__ import annotations

import pandas as pd

from pipelines.quality import load_suites, validate_suite, validate_tables


def _suite(name):
    return next(s for s in load_suites() if s.name == name)


def test_every_suite_passes_on_the_refreshed_sample(refreshed):
    paths, report = refreshed
    results = validate_tables(paths.warehouse_db)
    assert {r.table for r in results} == {"area_industry", "districts", "cluster_strength", "district_typology", "partner_matches"}
    assert all(r.success for r in results), [r.failures for r in results if not r.success]
    assert not report.checks_failed


def test_cluster_suite_catches_a_broken_strong_share():
    # A percentile rule that flags every region as strong: mean(is_strong) = 1, outside 0.05-0.3.
    frame = pd.DataFrame(
        {
            "is_strong": [True] * 200,
            "is_significant": [True] * 60 + [False] * 140,
            "lq": [1.0] * 200,
        }
    )
    result = validate_suite(_suite("cluster_strength"), frame)
    assert not result.success
    failed = {(f["expectation"], f["kwargs"].get("column")): f["observed"] for f in result.failures}
    assert failed == {("expect_column_mean_to_be_between", "is_strong"): 1.0}


def test_area_industry_suite_catches_widespread_withholding():
    # 20 % of cells with withheld employment: far beyond what a statistics release withholds.
    frame = pd.DataFrame(
        {"lq": [1.0] * 150, "industry_name": ["x"] * 150, "is_employment_withheld": [True] * 30 + [False] * 120}
    )
    result = validate_suite(_suite("area_industry"), frame)
    failed = {(f["expectation"], f["kwargs"].get("column")): f["observed"] for f in result.failures}
    assert failed == {("expect_column_mean_to_be_between", "is_employment_withheld"): 0.2}
