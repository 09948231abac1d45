"""Shared fixtures: a warehouse with the reference data loaded, and one full refresh."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.catalogue import load_catalogue
from pipelines.ingest import run_entry
from pipelines.paths import SAMPLE_RAW_DIR, ProjectPaths

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def catalogue():
    return {e.name: e for e in load_catalogue()}


@pytest.fixture(scope="session")
def reference_db(tmp_path_factory, catalogue) -> Path:
    """A DuckDB file with every reference entry loaded (no statistics)."""
    path = tmp_path_factory.mktemp("reference") / "warehouse.duckdb"
    paths = ProjectPaths(SAMPLE_RAW_DIR, path.parent)
    con = duckdb.connect(str(path))
    for entry in catalogue.values():
        if not entry.is_partitioned:
            run_entry(con, entry, entry.find_files(paths))
    con.close()
    return path


@pytest.fixture()
def warehouse_con(reference_db, tmp_path):
    """A private copy of the reference warehouse, open for writing."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(reference_db, copy)
    con = duckdb.connect(str(copy))
    yield con
    con.close()


@pytest.fixture(scope="session")
def refreshed(tmp_path_factory):
    """One full refresh of the bundled sample into a temporary warehouse."""
    from pipelines.refresh import run_refresh

    warehouse = tmp_path_factory.mktemp("refreshed")
    paths = ProjectPaths(SAMPLE_RAW_DIR, warehouse)
    report = run_refresh(paths)
    assert report.ok, [(s.label, s.error) for s in report.steps if not s.ok]
    return paths, report


@pytest.fixture(scope="module")
def published(refreshed):
    """The refreshed sample's published DuckDB file, read-only."""
    paths, _ = refreshed
    con = duckdb.connect(str(paths.published_db), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def refreshed_warehouse(refreshed):
    """The refreshed sample's working warehouse, read-only."""
    paths, _ = refreshed
    con = duckdb.connect(str(paths.warehouse_db), read_only=True)
    yield con
    con.close()


def _copy_warehouse(paths: ProjectPaths, target: Path) -> None:
    shutil.copytree(paths.warehouse_dir, target, ignore=shutil.ignore_patterns("dbt_target", "logs"))


@pytest.fixture()
def office(refreshed, tmp_path, monkeypatch):
    """A copy of the refreshed sample (warehouse, run history, releases) with its own copy of the input folder,
    set up as `crosscluster` sets up a process (environment restored after the test)."""
    from pipelines.paths import DAGSTER_STORAGE_ENV, RAW_DIR_ENV, RULE_SET_ENV, WAREHOUSE_DB_ENV, WAREHOUSE_DIR_ENV
    from pipelines.refresh import prepare_environment

    source, _ = refreshed
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE_RAW_DIR, raw)
    _copy_warehouse(source, tmp_path / "warehouse")
    paths = ProjectPaths(raw, tmp_path / "warehouse")
    for name in (RAW_DIR_ENV, RULE_SET_ENV, WAREHOUSE_DIR_ENV, WAREHOUSE_DB_ENV, DAGSTER_STORAGE_ENV, "DAGSTER_HOME"):
        monkeypatch.setenv(name, "")
    prepare_environment(paths)
    return paths
