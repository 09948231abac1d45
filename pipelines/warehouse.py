"""Connections to the warehouse file, with the same resource settings everywhere.

DuckDB would otherwise use up to 80 % of the machine's memory; the warehouse is meant to
refresh national registers on a laptop-class machine next to other work, so it is given a
memory limit and a spill folder (``warehouse/.spill``). ``CROSSCLUSTER_MEMORY_LIMIT``
changes the limit (DuckDB syntax: ``1GB``, ``512MB``); dbt reads the same variable
(``dbt_project/profiles.yml``).
"""

from __future__ import annotations

import os

import duckdb

from pipelines.paths import ProjectPaths

MEMORY_LIMIT_ENV = "CROSSCLUSTER_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "1GB"


def memory_limit() -> str:
    return os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT


def connect(paths: ProjectPaths, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    spill = paths.warehouse_dir / ".spill"
    spill.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(
        str(paths.warehouse_db),
        read_only=read_only,
        config={
            "memory_limit": memory_limit(),
            "temp_directory": str(spill),
            "preserve_insertion_order": False,
        },
    )
