"""The release registry: releases listed with their lineage, compared cell by cell, restored, and retained."""

from __future__ import annotations

import hashlib
import json

import duckdb
import pytest

from pipelines.paths import ProjectPaths
from pipelines.publish import served_release_id
from pipelines.releases import ReleaseError, apply_retention, diff_releases, load_registry, restore


def _release(paths: ProjectPaths, release_id: str, rows: list[tuple]) -> None:
    """A release folder by hand: one table t keyed on (k1, k2), with the given rows (k1, k2, v, w)."""
    folder = paths.releases_dir / release_id
    folder.mkdir(parents=True)
    con = duckdb.connect()
    con.execute("create table t (k1 varchar, k2 integer, v double, w varchar)")
    if rows:
        con.executemany("insert into t values (?, ?, ?, ?)", rows)
    con.execute(f"copy t to '{folder / 't.parquet'}' (format parquet)")
    con.close()
    manifest = {"release_id": release_id, "tables": {"t": {"file": "t.parquet", "key": ["k1", "k2"],
                                                           "columns": ["k1", "k2", "v", "w"]}}}
    (folder / "manifest.json").write_text(json.dumps(manifest))


def test_diff_of_two_constructed_releases(tmp_path):
    paths = ProjectPaths(tmp_path / "raw", tmp_path / "warehouse")
    _release(paths, "R1", [("a", 1, 1.5, "x"), ("a", 2, 2.0, "y"), ("b", 1, 3.0, None), ("c", None, 4.0, "z")])
    _release(paths, "R2", [("a", 1, 1.5, "x"),  # unchanged
                           ("a", 2, 2.5, "y"),  # v revised
                           ("b", 1, 3.0, "q"),  # w revised from NULL
                           ("c", None, 4.0, "z"),  # unchanged, with a NULL in its key
                           ("d", 7, 0.0, "new")])  # added; ("b", 1) kept, nothing removed
    _release(paths, "R3", [("a", 1, 1.5, "x")])

    (diff,) = diff_releases(paths, "R1", "R2")
    assert (diff.added, diff.removed, diff.revised) == (1, 0, 2)
    by_key = {(r["k1"], r["k2"]): r for r in diff.rows}
    assert by_key[("a", "2")]["columns"] == [{"column": "v", "old": "2.0", "new": "2.5"}]
    assert by_key[("b", "1")]["columns"] == [{"column": "w", "old": None, "new": "q"}]
    assert by_key[("d", "7")]["change"] == "added"

    (shrink,) = diff_releases(paths, "R1", "R3")
    assert (shrink.added, shrink.removed, shrink.revised) == (0, 3, 0)
    with pytest.raises(ReleaseError, match="R9 has no files"):
        diff_releases(paths, "R1", "R9")


def _folder_hashes(folder):
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(folder.iterdir())}


def test_restore_serves_an_older_release_and_the_next_refresh_publishes_again(office):
    from pipelines.refresh import run_refresh
    from tests.test_orchestration import _add_bank_branches

    paths = office
    first = served_release_id(paths)
    _add_bank_branches(paths.raw_dir)
    assert run_refresh(paths).ok
    second = served_release_id(paths)
    assert second != first
    registry = load_registry(paths)
    assert [e["release_id"] for e in registry][-2:] == [first, second]
    assert registry[-1]["supersedes"] == first and registry[-1]["status"] == "provisional"
    files = {r: _folder_hashes(paths.releases_dir / r) for r in (first, second)}
    assert all(f.stat().st_mode & 0o222 == 0 for f in (paths.releases_dir / second).iterdir())  # read-only

    restore(paths, first)
    assert served_release_id(paths) == first
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        served_rows = con.execute("select count(*) from district_indicators").fetchone()[0]
        manifest = json.loads(con.execute("select manifest_json from release_info").fetchone()[0])
    assert served_rows == manifest["tables"]["district_indicators"]["rows"]
    assert manifest["release_id"] == first
    assert len(next(e for e in load_registry(paths) if e["release_id"] == first)["served"]) == 2
    with pytest.raises(ReleaseError, match="already the served one"):
        restore(paths, first)

    # Release files never change; the next refresh publishes the current inputs again and keeps both.
    report = run_refresh(paths)
    assert report.ok and report.release["published"]
    third = served_release_id(paths)
    assert third not in (first, second)
    assert {r: _folder_hashes(paths.releases_dir / r) for r in (first, second)} == files

    # Retention: keep two; the oldest goes from disk, never the served one, and stays in the registry.
    removed = apply_retention(paths, third, keep=2)
    kept = [e["release_id"] for e in load_registry(paths) if not e["files_removed"]]
    assert third in kept and len(kept) == 2 and removed and first in removed
    assert not (paths.releases_dir / first).exists()
