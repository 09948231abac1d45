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


def limit_memory(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The memory limit on a connection opened without it (DuckDB refuses a second connection to a file with a
    different configuration in one process, so read-only readers set it after opening)."""
    con.execute(f"set memory_limit = '{memory_limit()}'")
    return con


# What a reader of the published file may not do: touch the file system or the network, load or install
# extensions, or change these settings afterwards (DuckDB refuses each with a PermissionException or, for a
# locked setting, an InvalidInputException).
PUBLISHED_READER_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "lock_configuration": True,
}


def connect_published(path) -> duckdb.DuckDBPyConnection:
    """The published file, read-only, for users' SQL: no COPY TO or EXPORT, no reading or globbing other
    files, no INSTALL / LOAD, no ATTACH, and no SET of any setting (the configuration is locked)."""
    return duckdb.connect(
        str(path), read_only=True, config={"memory_limit": memory_limit(), **PUBLISHED_READER_CONFIG}
    )


def is_refusal(exc: duckdb.Error) -> bool:
    """A statement the published reader refuses by design (not a mistake in the SQL)."""
    text = str(exc)
    return isinstance(exc, duckdb.PermissionException) or "configuration has been locked" in text
