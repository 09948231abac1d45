"""The dbt project, wrapped once, and its manifest as a build artefact.

The manifest (``dbt_project/target/manifest.json``) is produced by ``dbt parse`` when it
is missing or older than a file of the dbt project: :func:`ensure_manifest` is called by
the CLI before the definitions are imported, and ``dagster dev`` does the same through
``prepare_if_dev``. Nothing parses at import time otherwise. Builds write their artefacts
(run results, compiled SQL, partial-parse state) and dbt's log beside the warehouse they
build (``ProjectPaths.dbt_target_dir``, ``ProjectPaths.logs_dir``), never into the project.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from pipelines.paths import DBT_PROJECT_DIR, DBT_PROJECT_SOURCES, WAREHOUSE_DB_ENV, project_paths

# dbt is installed beside this interpreter; dagster-dbt looks for `dbt` on PATH (for `dagster dev`'s
# prepare_if_dev too), which lacks that folder when the environment is not activated (.venv/bin/dagster).
_BIN = str(Path(sys.executable).parent)
if _BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _BIN + os.pathsep + os.environ.get("PATH", "")

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
DBT_TARGET_DIR = DBT_PROJECT_DIR / "target"
# The manifest depends on the project's content and on its profile.
_SOURCES = (*DBT_PROJECT_SOURCES, "profiles.yml")


def set_dbt_environment() -> None:
    """dbt reads the warehouse path from the environment (dbt_project/profiles.yml) and writes its log
    file beside the warehouse's refresh logs."""
    paths = project_paths()
    os.environ[WAREHOUSE_DB_ENV] = str(paths.warehouse_db)
    os.environ["DBT_LOG_PATH"] = str(paths.logs_dir)


def _newest_source_mtime() -> float:
    newest = 0.0
    for name in _SOURCES:
        path = DBT_PROJECT_DIR / name
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        for f in files:
            newest = max(newest, f.stat().st_mtime)
    return newest


def manifest_is_stale(manifest: Path | None = None) -> bool:
    manifest = manifest or DBT_PROJECT.manifest_path
    return not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime()


def ensure_manifest() -> Path:
    """Parse the dbt project if its manifest is missing or stale; return the manifest path.

    Processes that start together (two commands, parallel test workers) parse one at a time: the
    second finds the manifest fresh once the first has written it."""
    DBT_TARGET_DIR.mkdir(parents=True, exist_ok=True)
    with open(DBT_TARGET_DIR / ".parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _parse_if_stale()
    return DBT_PROJECT.manifest_path


def _parse_if_stale() -> None:
    if manifest_is_stale():
        set_dbt_environment()
        dbt = Path(sys.executable).with_name("dbt")
        result = subprocess.run(
            [
                str(dbt),
                "parse",
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
                "--quiet",
            ],
            cwd=DBT_PROJECT_DIR,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"dbt parse failed:\n{result.stdout}\n{result.stderr}")
