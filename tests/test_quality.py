"""The Great Expectations suites pass on the sample and catch implausible distributions."""

from __future__ import annotations

from pathlib import Path

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
        {"lq": [1.0] * 150, "industry_name": ["x"] * 150, "is_employment_withheld": [True] * 30 + [False] * 120,
         "conf_status": ["C"] * 30 + ["F"] * 120, "employees": [None] * 30 + [10] * 120,
         "establishments": [1] * 150}
    )
    result = validate_suite(_suite("area_industry"), frame)
    failed = {(f["expectation"], f["kwargs"].get("column")): f["observed"] for f in result.failures}
    assert failed == {("expect_column_mean_to_be_between", "is_employment_withheld"): 0.2}


def test_a_failing_suite_names_the_rows_and_the_input_lines_behind_them(refreshed):
    """Cells without an LQ beyond the suite's tolerance: the failure names them by the table's key and the
    CBP lines they were landed from (each line holds the cell's county and NAICS code)."""
    import duckdb

    from pipelines.publish import PUBLISHED_TABLES
    from pipelines.quality import describe_failure, trace_sources

    paths, _ = refreshed
    con = duckdb.connect(str(paths.warehouse_db), read_only=True)
    try:
        frame = con.execute("select * from marts.area_industry where country = 'US' order by area_code, "
                            "industry_code limit 200").df()
        frame.loc[:19, "lq"] = None  # 10 % without an LQ; the suite allows 5 % of the free cells
        result = validate_suite(_suite("area_industry"), frame, PUBLISHED_TABLES["area_industry"])
        failure = next(f for f in result.failures if f["kwargs"].get("column") == "lq")
        nulls = frame[frame["lq"].isna() & (frame["conf_status"] == "F")]  # the suite looks at free cells
        assert failure["unexpected_count"] == len(nulls) >= 20
        named = [(r["area_code"], r["industry_code"]) for r in failure["rows"]]
        assert named == list(zip(nulls["area_code"][:10], nulls["industry_code"][:10]))
        sources = trace_sources(con, frame, failure["rows"])
    finally:
        con.close()
    lines = [s for s in sources if " line " in s]
    assert len(lines) >= 10
    for source in lines[:10]:
        file, line = source.rsplit(" line ", 1)
        text = Path(file).read_text(encoding="utf-8").splitlines()[int(line) - 1]
        fips, naics = text.split(",")[:2]
        assert (fips, naics) in named
    failure["sources"] = sources
    assert f"expect_column_values_to_not_be_null on lq: {len(nulls)} unexpected value(s)" in describe_failure(failure)
