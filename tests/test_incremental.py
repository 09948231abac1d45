"""Incremental builds per country x year partition (dbt_project/macros/partitions.sql).

A refresh after one partition's register changed rebuilds that partition of the partitioned models only, and
their tables equal what a full rebuild of the same inputs computes.
"""

from __future__ import annotations

import os
import shutil

import duckdb

from pipelines.bench import bump_employees
from pipelines.paths import DBT_PROJECT_DIR

# Each partitioned model and its schema.
PARTITIONED_MODELS = {
    "int_area_industry": "intermediate",
    "int_area_industry_primary": "intermediate",
    "int_disclosure_suppression": "intermediate",
    "int_area_industry_lq": "intermediate",
    "int_area_industry_named": "intermediate",
    "int_area_industry_published": "intermediate",
    "area_industry": "marts",
}


def _fingerprints(warehouse_db) -> dict[tuple[str, str, int], str]:
    with duckdb.connect(str(warehouse_db), read_only=True) as con:
        rows = con.execute("select model, country, ref_year, inputs_fingerprint from intermediate.built_partitions")
        return {(m, c, y): f for m, c, y, f in rows.fetchall()}


def test_one_changed_partition_is_rebuilt_alone_and_equals_a_full_build(office, refreshed, tmp_path):
    from dbt.cli.main import dbtRunner

    from pipelines.defs.transform.dbt_in_process import close_warehouse_connection
    from pipelines.refresh import run_refresh

    paths = office
    source, _ = refreshed
    # The copy was built by the same dbt project: its next build is incremental.
    paths.dbt_target_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(source.built_project_file, paths.built_project_file)
    before = _fingerprints(paths.warehouse_db)
    register = paths.raw_dir / "it" / "asia_ul" / "2021" / "unita_locali_2021.csv"
    bumped = bump_employees(register)
    assert bumped > 1000

    report = run_refresh(paths)
    assert report.ok, [(s.label, s.error) for s in report.steps if not s.ok]
    assert [s.label for s in report.steps if s.step == "ingest"] == ["ingest IT 2021"]

    # Only IT 2021's fingerprint moved, for each partitioned model; the build filtered on the partitions to build.
    after = _fingerprints(paths.warehouse_db)
    assert after.keys() == before.keys()
    moved = {key for key in after if after[key] != before[key]}
    assert moved == {(model, "IT", 2021) for model in PARTITIONED_MODELS}
    compiled = paths.dbt_target_dir / "compiled" / "crosscluster" / "models" / "intermediate" / "int_area_industry.sql"
    assert "built_partitions" in compiled.read_text(encoding="utf-8")

    # A full rebuild of the partitioned models from the same landed rows, in a copy, gives the same tables.
    full = tmp_path / "full.duckdb"
    shutil.copy(paths.warehouse_db, full)
    args = ["run", "--full-refresh", "--select", *PARTITIONED_MODELS, "--project-dir", str(DBT_PROJECT_DIR),
            "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(tmp_path / "target"),
            "--log-path", str(tmp_path), "--log-level", "none", "--log-level-file", "none",
            "--no-send-anonymous-usage-stats"]
    os.environ["CROSSCLUSTER_WAREHOUSE_DB"] = str(full)
    try:
        result = dbtRunner().invoke(args)
    finally:
        close_warehouse_connection()
        os.environ["CROSSCLUSTER_WAREHOUSE_DB"] = str(paths.warehouse_db)
    assert result.success, result.exception
    with duckdb.connect(str(paths.warehouse_db), read_only=True) as con:
        con.execute(f"attach '{full}' as full_build (read_only)")
        for model, schema in PARTITIONED_MODELS.items():
            incremental = f"{schema}.{model}"
            rebuilt = f"full_build.{schema}.{model}"
            counts = con.execute(f"select (select count(*) from {incremental}), (select count(*) from {rebuilt})")
            n_incremental, n_full = counts.fetchone()
            assert n_incremental == n_full > 0, model
            for a, b in ((incremental, rebuilt), (rebuilt, incremental)):
                extra = con.execute(f"select count(*) from (select * from {a} except all select * from {b})")
                assert extra.fetchone()[0] == 0, (model, a)
        # The change reached IT 2021's register cells (40 more employees per changed unit), and no other cell.
        con.execute(f"attach '{source.warehouse_db}' as before (read_only)")
        moved = con.execute("""
            select a.country, a.ref_year, sum(a.employees) - sum(b.employees)
            from intermediate.int_area_industry as a
            join before.intermediate.int_area_industry as b using (country, ref_year, area_code, industry_system,
                                                                   industry_code)
            group by all having sum(a.employees) != sum(b.employees)
        """).fetchall()
        assert moved == [("IT", 2021, 40 * bumped)]
