"""BI tools read the published file through their own drivers, often with an older DuckDB: a separate virtual
environment (SQLAlchemy + duckdb-engine on the oldest DuckDB that works through them) lists the tables and
queries read-only. The oldest DuckDB that opens the file at all is the storage version it is written with
(README "Readers"), and the release before it cannot open it, so the stated minimum is the true one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "bi_client"
BI_VENV = Path(__file__).parents[1] / ".venv-bi"


def _pinned(name: str) -> str:
    for line in (HERE / "requirements.txt").read_text().splitlines():
        if line.startswith(f"{name}=="):
            return line.split("==", 1)[1]
    raise AssertionError(f"{name} is not pinned in {HERE / 'requirements.txt'}")


def _pip(*args: str) -> None:
    result = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")


@pytest.fixture(scope="module")
def bi_python() -> Path:
    """The BI client's Python: .venv-bi, created with the pinned packages when missing or out of date."""
    python = BI_VENV / "bin" / "python"
    stamp = BI_VENV / "requirements.txt"
    wanted = (HERE / "requirements.txt").read_text()
    if not python.exists() or not stamp.exists() or stamp.read_text() != wanted:
        _pip(sys.executable, "-m", "venv", "--clear", str(BI_VENV))
        _pip(str(python), "-m", "pip", "install", "--quiet", "-r", str(HERE / "requirements.txt"))
        stamp.write_text(wanted)
    return python


def test_a_bi_client_on_the_oldest_duckdb_lists_and_queries_read_only(published, refreshed, bi_python):
    from pipelines.publish import PUBLISHED_TABLES

    paths, _ = refreshed
    result = subprocess.run([str(bi_python), str(HERE / "read_published.py"), str(paths.published_db)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["duckdb"] == _pinned("duckdb")
    assert seen["tables"] == sorted([*PUBLISHED_TABLES, "release_info"])
    expected = published.execute("select country, count(*) from districts group by country order by country").fetchall()
    assert seen["districts"] == [list(r) for r in expected]
    assert seen["wrote"] is False


def _open_with(duckdb_version: str, db: Path, target: Path) -> subprocess.CompletedProcess:
    _pip(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
         f"duckdb=={duckdb_version}")
    probe = ("import sys, duckdb; con = duckdb.connect(sys.argv[1], read_only=True); "
             "print(duckdb.__version__, con.execute('select count(*) from districts').fetchone()[0])")
    return subprocess.run([sys.executable, "-c", probe, str(db)], capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"})


def test_the_oldest_duckdb_that_opens_the_file_is_the_storage_version(published, refreshed, tmp_path):
    from pipelines.publish import STORAGE_COMPATIBILITY_VERSION

    paths, _ = refreshed
    oldest = STORAGE_COMPATIBILITY_VERSION.lstrip("v")
    districts = published.execute("select count(*) from districts").fetchone()[0]
    result = _open_with(oldest, paths.published_db, tmp_path / "oldest")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == [oldest, str(districts)]

    major, minor, _ = (int(x) for x in oldest.split("."))
    before = _open_with(f"{major}.{minor - 1}.*", paths.published_db, tmp_path / "before")
    assert before.returncode != 0
    assert "version" in before.stderr.lower(), before.stderr[-1000:]
