"""The serving file is swapped atomically; a failed refresh touches nothing published."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from pipelines.paths import SAMPLE_RAW_DIR
from pipelines.publish import publish


def _release_id(con) -> str:
    return con.execute("select release_id from release_info").fetchone()[0]


def test_reader_keeps_reading_while_a_new_release_is_published(refreshed):
    paths, report = refreshed
    reader = duckdb.connect(str(paths.published_db), read_only=True)
    old_id = _release_id(reader)
    old_rows = reader.execute("select count(*) from area_industry").fetchone()[0]

    new = publish(paths)

    # The open connection still sees a complete, consistent old release ...
    assert _release_id(reader) == old_id
    assert reader.execute("select count(*) from area_industry").fetchone()[0] == old_rows
    assert reader.execute("select count(*) from districts").fetchone()[0] > 0
    reader.close()
    # ... and a new connection sees the new one.
    with duckdb.connect(str(paths.published_db), read_only=True) as fresh:
        assert _release_id(fresh) == new.release_id != old_id
    # Same inputs, same rules: same content, and the new manifest records the comparison.
    assert {t: m["fingerprint"] for t, m in new.manifest["tables"].items()} == report.release["fingerprints"]
    assert new.manifest["reproducibility"] == {
        "compared_with": old_id, "identical": True, "tables_differing": []}
    assert not list(paths.published_dir.glob(".indicators-*"))
    assert not list(paths.releases_dir.glob(".tmp-*"))


def test_failed_refresh_leaves_release_and_published_file_untouched(refreshed, tmp_path):
    paths, _ = refreshed
    # A copy of the warehouse so that the shared fixture stays as it is.
    warehouse = tmp_path / "warehouse"
    shutil.copytree(paths.warehouse_dir, warehouse, ignore=shutil.ignore_patterns("dagster_home", "logs", "dbt_target"))
    before_stat = (warehouse / "published" / "indicators.duckdb").stat()
    before_releases = sorted(p.name for p in (warehouse / "releases").iterdir())

    landed = "select count(*) from landing.bank_branches where country = 'IT' and ref_year = 2016"
    with duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True) as con:
        landed_before = con.execute(landed).fetchone()[0]
    assert landed_before > 0

    # The first partition's bank file arrives comma-delimited: the refresh stops at its ingest step.
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE_RAW_DIR, raw)
    bad = raw / "it" / "banks" / "2016" / "sportelli_2016.csv"
    bad.write_text(bad.read_text(encoding="cp1252").replace(";", ","), encoding="cp1252")

    result = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "refresh", "--raw", str(raw), "--warehouse", str(warehouse)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[1],
        env={**os.environ},
        timeout=600,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    message = " ".join(result.stderr.split())  # the console wraps long lines
    assert "sportelli_2016.csv line 1" in message
    assert "looks comma-delimited but the catalogue says semicolon-delimited" in message
    after_stat = (warehouse / "published" / "indicators.duckdb").stat()
    assert (after_stat.st_ino, after_stat.st_mtime_ns) == (before_stat.st_ino, before_stat.st_mtime_ns)
    assert sorted(p.name for p in (warehouse / "releases").iterdir()) == before_releases
    # The warehouse still holds the previous load of that partition.
    with duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute(landed).fetchone()[0] == landed_before


def test_query_command_reads_the_published_file(refreshed):
    paths, _ = refreshed
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "query",
            "--warehouse",
            str(paths.warehouse_dir),
            "--format",
            "csv",
            "select area_code, main_industry_code from districts where area_code = '13313'",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["area_code,main_industry_code", "13313,314110"]


def test_query_command_refuses_writes(refreshed):
    paths, _ = refreshed
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "query",
            "--warehouse",
            str(paths.warehouse_dir),
            "delete from districts",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "read-only" in result.stderr.lower()


def test_refresh_with_missing_input_folder_is_bad_usage(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "refresh",
            "--raw",
            str(tmp_path / "nope"),
            "--warehouse",
            str(tmp_path / "wh"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2


def test_rules_show_prints_every_parameter_of_the_rule_set():
    from pipelines.rules import load_rule_set

    params = list(load_rule_set().rules)
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "rules", "show"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert len(params) >= 20
    for name in params:
        assert name in result.stdout


def test_a_publish_that_fails_before_serving_leaves_no_release_behind(refreshed, tmp_path, monkeypatch):
    """A release folder is listed only once its serving file is in place: a failure while building the serving
    file (a full disk, say) removes the folder it wrote, and folders of publishes in progress are never listed."""
    import pipelines.publish as publishing
    from pipelines.errors import DiskFull
    from pipelines.paths import ProjectPaths
    from pipelines.releases import load_registry

    paths, _ = refreshed
    warehouse = tmp_path / "warehouse"
    shutil.copytree(paths.warehouse_dir, warehouse, ignore=shutil.ignore_patterns("dagster_home", "logs", "dbt_target"))
    copy = ProjectPaths(SAMPLE_RAW_DIR, warehouse)
    before = [r["release_id"] for r in load_registry(copy)]
    served = (warehouse / "published" / "indicators.duckdb").read_bytes()

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(publishing, "build_serving_file", full_disk)
    try:
        publish(copy)
    except DiskFull as exc:  # a full disk is named as such, with the system's error as its cause
        assert isinstance(exc.__cause__, OSError) and exc.__cause__.errno == 28
        assert "published release is unchanged" in str(exc)
    else:
        raise AssertionError("publish did not fail")
    assert [r["release_id"] for r in load_registry(copy)] == before
    assert sorted(p.name for p in (warehouse / "releases").iterdir() if p.is_dir()) == before
    assert (warehouse / "published" / "indicators.duckdb").read_bytes() == served
    # A folder left by a publish that was killed half way (a dot name) is not a release.
    (warehouse / "releases" / ".tmp-20990101T000000000000Z").mkdir()
    (warehouse / "releases" / ".tmp-20990101T000000000000Z" / "manifest.json").write_text("{}")
    assert [r["release_id"] for r in load_registry(copy)] == before
