"""The matching benchmark builds the tables the matching models read as the pipeline builds them: the same
columns as the refreshed sample's, so that `crosscluster bench-matching` keeps running the production models."""

from __future__ import annotations

import duckdb

from pipelines.bench_matching import build_inputs

TABLES = ("int_match_profiles", "int_match_capabilities", "int_match_suppliers", "int_region_isic_division")


def test_the_benchmark_inputs_have_the_pipelines_columns(refreshed_warehouse, tmp_path):
    db = tmp_path / "bench.duckdb"
    build_inputs(db, districts=20)
    with duckdb.connect(str(db), read_only=True) as bench:
        for table in TABLES:
            expected = [r[0] for r in refreshed_warehouse.execute(f"describe intermediate.{table}").fetchall()]
            built = [r[0] for r in bench.execute(f"describe intermediate.{table}").fetchall()]
            assert sorted(built) == sorted(expected), table
