"""Releases: Parquet per published table + manifest, then an atomic swap of the serving file.

Nothing here writes the warehouse: it is opened read-only. Every output is first built
under a temporary name and moved into place with a rename, so a failure at any point
leaves the previous release and the previous ``indicators.duckdb`` exactly as they were,
and readers that hold the old file open keep reading a consistent old release.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines import warehouse
from pipelines.contracts import CONTRACTS
from pipelines.errors import DiskFull
from pipelines.paths import REPO_ROOT, ProjectPaths, display
from pipelines.plan import build_inputs, dbt_project_sha256, landed_inputs, latest_manifest
from pipelines.releases import (
    apply_retention,
    load_registry,
    make_immutable,
    manifest_of,
    point_latest,
    record_release,
    registry_path,
)

# Published tables (marts) and the key their rows are sorted by.
PUBLISHED_TABLES: dict[str, tuple[str, ...]] = {
    "area_industry": ("country", "ref_year", "area_code", "industry_system", "industry_code"),
    "cluster_strength": ("country", "ref_year", "region_type", "region_code", "cluster_code"),
    "cluster_mapping_gaps": ("country", "ref_year", "region_type", "industry_code"),
    "districts": ("country", "ref_year", "district_id"),
    "district_indicators": ("country", "ref_year", "district_id", "indicator"),
    "sforzi_istat": ("country", "ref_year", "area_code"),
    "district_identification": ("country", "ref_year", "region_code", "identification_method"),
    "district_typology": ("country", "ref_year", "district_id"),
    "district_tiers": ("ref_year", "district_id"),
    "district_lifecycle": ("country", "ref_year", "district_id"),
    "district_gaps": ("country", "ref_year", "district_id", "item_order"),
    "district_size_facts": ("country", "ref_year", "district_id", "fact"),
    "size_facts": ("country", "ref_year", "fact"),
    "specialisation_agreement": ("country", "ref_year", "identification_method"),
    "classification_gaps": ("country", "ref_year", "code_system", "code"),
    "industry_proximity": ("division_i", "division_j"),
    "relatedness_density": ("country", "ref_year", "region_code", "isic4_division"),
    "partner_matches": ("second_district_id", "rank_for_second"),
    "partner_top5": ("country", "district_id"),
}
# Older DuckDB readers (BI drivers embed them) open files written with this storage version.
STORAGE_COMPATIBILITY_VERSION = "v1.4.0"
# Parquet files are written in row groups of exactly this many rows (the last one holds the rest), whatever
# batches DuckDB hands over, so that the same rows always give the same bytes.
PARQUET_ROW_GROUP_ROWS = 122_880
PARQUET_ZSTD_LEVEL = 3  # DuckDB's own default level
# The key under which a Parquet file carries a description: the table's in the schema metadata, each
# column's in its field metadata (the model and column descriptions of dbt_project/models/marts/_marts.yml).
DESCRIPTION_KEY = b"description"
# The serving file's own table, described here since no dbt model makes it.
RELEASE_INFO_COMMENTS: tuple[str, dict[str, str]] = (
    "One row: the release this file serves, with its whole manifest.",
    {
        "release_id": "Identifier of the release: its UTC creation time, YYYYMMDDTHHMMSSffffffZ "
        "(warehouse/releases/<release_id>/).",
        "created_at": "UTC creation time of the release, ISO 8601.",
        "git_commit": "Git commit of the code that built the release; NULL outside a git checkout.",
        "rule_set_sha256": "SHA-256 of the rule-set file the release was built with.",
        "manifest_json": "The release manifest (manifest.json) as JSON text: inputs and their hashes, rule set, "
        "row counts, content fingerprints, quarantined rows.",
    },
)


@dataclass(frozen=True)
class Release:
    release_id: str
    directory: Path
    manifest: dict
    seconds: float = 0.0


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def table_fingerprint(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    """Content fingerprint: independent of row order and of the file's bytes."""
    row = con.execute(
        f"""
        select md5(coalesce(string_agg(h, '' order by h), ''))
        from (select md5(cast(t as varchar)) as h from {relation} as t)
        """
    ).fetchone()
    return row[0]


def _input_files(con: duckdb.DuckDBPyConnection) -> list[dict]:
    rows = con.execute(
        "select target_table, catalogue_entry, country, ref_year, source_file, source_sha256, rows_read "
        "from landing.source_files order by target_table, catalogue_entry, source_file"
    ).fetchall()
    return [
        {
            "table": r[0],
            "catalogue_entry": r[1],
            "country": r[2],
            "ref_year": r[3],
            "file": r[4],
            "sha256": r[5],
            "rows": r[6],
        }
        for r in rows
    ]


def _quarantine_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    counts = {}
    for c in CONTRACTS.values():
        counts[c.name] = con.execute(f"select count(*) from quarantine.{c.name}").fetchone()[0]
    return counts


def _rule_set(con: duckdb.DuckDBPyConnection) -> dict:
    """The rule set the release was built with: what int_rules applied, and the file it was loaded from."""
    active = con.execute("select rule_set, rule_set_version from intermediate.int_rules").fetchone()
    source = con.execute(
        "select source_file, source_sha256 from landing.source_files where catalogue_entry = 'ref_rule_parameters' "
        "order by loaded_at desc limit 1"
    ).fetchone()
    return {
        "active": {"rule_set": active[0], "version_and_hash": active[1]},
        "file": source[0] if source else None,
        "sha256": source[1] if source else None,
    }


def _disclosure(con: duckdb.DuckDBPyConnection, paths: ProjectPaths) -> dict:
    """The disclosure rule set the release was protected with (file and hash), the published cells by
    CONF_STATUS, and the audit of every suppressed cell (the blocking check's, recorded for this build; audited
    here when there is none)."""
    from pipelines.disclosure import DISCLOSURE_RULES_FILE, audit_warehouse, load_disclosure_rules, recorded_audit

    rules = load_disclosure_rules()
    audit = recorded_audit(paths)
    if audit is None or audit.get("rules_sha256") != rules.sha256:
        audit = audit_warehouse(con, rules)
    statuses = dict(con.execute(
        "select conf_status, count(*) from marts.area_industry group by 1 order by 1").fetchall())
    return {
        "rules_file": display(DISCLOSURE_RULES_FILE),
        "rules_sha256": rules.sha256,
        "rule_set": f"{rules.name} {rules.version}",
        "area_industry_cells_by_conf_status": statuses,
        "audit": audit,
    }


def _comments(con: duckdb.DuckDBPyConnection, table: str) -> tuple[str | None, dict[str, str]]:
    t = con.execute(
        "select comment from duckdb_tables() where schema_name = 'marts' and table_name = ?", [table]
    ).fetchone()
    cols = con.execute(
        "select column_name, comment from duckdb_columns() "
        "where schema_name = 'marts' and table_name = ? and comment is not null",
        [table],
    ).fetchall()
    return (t[0].strip() if t and t[0] else None), {c: text.strip() for c, text in cols}


def _described_schema(schema: pa.Schema, table_comment: str | None, column_comments: dict[str, str]) -> pa.Schema:
    """The Arrow schema with the table's description as schema metadata and each column's as field metadata."""
    fields = [
        field.with_metadata({DESCRIPTION_KEY: column_comments[field.name].encode("utf-8")})
        if field.name in column_comments else field
        for field in schema
    ]
    metadata = {DESCRIPTION_KEY: table_comment.encode("utf-8")} if table_comment else None
    return pa.schema(fields, metadata=metadata)


def _write_parquet(con: duckdb.DuckDBPyConnection, table: str, key: tuple[str, ...], target: Path) -> None:
    """One published table as zstd Parquet, rows sorted by key, descriptions in the file's metadata.

    DuckDB's COPY writes key-value metadata for the whole file only (KV_METADATA), not for a field, so the
    sorted rows are streamed as Arrow batches into a pyarrow writer. Nothing in the file depends on the time or on how DuckDB splits its batches: fixed row
    groups, no timestamps, the same writer (created_by) for the same pyarrow.
    """
    table_comment, column_comments = _comments(con, table)
    reader = con.sql(f"select * from marts.{table} order by {', '.join(key)}").to_arrow_reader(PARQUET_ROW_GROUP_ROWS)
    schema = _described_schema(reader.schema, table_comment, column_comments)
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    with pq.ParquetWriter(target, schema, compression="zstd", compression_level=PARQUET_ZSTD_LEVEL) as writer:
        for batch in reader:
            pending.append(batch)
            pending_rows += batch.num_rows
            while pending_rows >= PARQUET_ROW_GROUP_ROWS:
                rows = pa.Table.from_batches(pending, schema=reader.schema)
                writer.write_table(rows.slice(0, PARQUET_ROW_GROUP_ROWS), row_group_size=PARQUET_ROW_GROUP_ROWS)
                rest = rows.slice(PARQUET_ROW_GROUP_ROWS)
                pending, pending_rows = rest.to_batches(), rest.num_rows
        if pending_rows:
            writer.write_table(pa.Table.from_batches(pending, schema=reader.schema),
                               row_group_size=PARQUET_ROW_GROUP_ROWS)


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def new_release_id(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S%fZ")


def unchanged_release(paths: ProjectPaths) -> str | None:
    """The latest release when the warehouse's landed inputs and the dbt project are what it was built from
    (publishing again would give the same content), else None."""
    last = latest_manifest(paths)
    if last is None or last.get("build_inputs") is None:
        return None
    current = build_inputs(landed_inputs(paths.warehouse_db), dbt_project_sha256())
    return last["release_id"] if last["build_inputs"] == current else None


def publish(paths: ProjectPaths, *, now: datetime | None = None) -> Release:
    """Write a release from the warehouse marts, then swap the serving file into place."""
    started = time.perf_counter()
    now = now or datetime.now(UTC)
    release_id = new_release_id(now)
    paths.ensure()
    final_dir = paths.releases_dir / release_id
    tmp_dir = paths.releases_dir / f"{TEMPORARY_RELEASE_PREFIX}{release_id}"
    tmp_db = temporary_serving_file(paths, release_id)
    served = False
    try:
        manifest = _write_release_files(paths, release_id, now, tmp_dir)
        build_serving_file(paths, tmp_dir, manifest, tmp_db)
        # Two renames: the release folder, then the serving file. A process killed between them leaves a folder
        # newer than the served release, which the next refresh removes (reconcile_releases).
        superseded = served_release_id(paths)
        make_immutable(tmp_dir)
        os.rename(tmp_dir, final_dir)
        os.replace(tmp_db, paths.published_db)
        served = True
        point_latest(paths, manifest)
        record_release(paths, manifest, superseded)
        apply_retention(paths, release_id)
    except BaseException as exc:
        # A release that never reached the serving file is not a release: its folder goes too.
        if not served:
            shutil.rmtree(final_dir, ignore_errors=True)
        if _is_disk_full(exc):
            raise DiskFull(
                f"no space left on the disk while publishing release {release_id} into "
                f"{display(paths.releases_dir)}: what it wrote is removed and the published release is unchanged. "
                "Free space on that disk (the last release folder gives the size a release needs) and refresh again."
            ) from exc
        raise
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        remove_temporary_serving_file(tmp_db)
    return Release(release_id, final_dir, manifest, time.perf_counter() - started)


def _is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    # DuckDB and Arrow report a full disk in their own exception types, with the system's message.
    return "No space left on device" in str(exc) or (exc.__cause__ is not None and _is_disk_full(exc.__cause__))


def _write_release_files(paths: ProjectPaths, release_id: str, now: datetime, tmp_dir: Path) -> dict:
    tmp_dir.mkdir(parents=True)
    con = warehouse.limit_memory(duckdb.connect(str(paths.warehouse_db), read_only=True))
    try:
        tables = {}
        for table, key in PUBLISHED_TABLES.items():
            target = tmp_dir / f"{table}.parquet"
            _write_parquet(con, table, key, target)
            relation = f"read_parquet('{target}')"
            rows = con.execute(f"select count(*) from {relation}").fetchone()[0]
            columns = [r[0] for r in con.execute(f"describe select * from {relation}").fetchall()]
            tables[table] = {
                "file": target.name,
                "rows": rows,
                "key": list(key),
                "columns": columns,
                "fingerprint": table_fingerprint(con, relation),
            }
        manifest = {
            "release_id": release_id,
            "created_at": now.isoformat(),
            "git_commit": git_commit(),
            "duckdb_version": duckdb.__version__,
            "storage_compatibility_version": STORAGE_COMPATIBILITY_VERSION,
            "rule_set": _rule_set(con),
            "inputs": _input_files(con),
            # What the release is built from, as a refresh compares it (pipelines/plan.py).
            "build_inputs": build_inputs(landed_inputs(paths.warehouse_db), dbt_project_sha256()),
            "quarantined_rows": _quarantine_counts(con),
            "disclosure": _disclosure(con, paths),
            "classification_versions": [r[0] for r in con.execute(
                "select distinct industry_system from marts.area_industry order by 1").fetchall()],
            "tables": tables,
        }
        manifest["reproducibility"] = reproducibility(paths, manifest)
    finally:
        con.close()
    (tmp_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def _input_signature(manifest: dict) -> list:
    """What determines a release's content: the input files, the rule set and the code."""
    inputs = sorted((i["catalogue_entry"], i["file"], i["sha256"]) for i in manifest["inputs"])
    return [inputs, manifest["rule_set"]["sha256"], manifest["git_commit"]]


def reproducibility(paths: ProjectPaths, manifest: dict) -> dict:
    """Compare with the newest earlier release built from the same inputs, rule set and code.

    Identical inputs must give identical content fingerprints for every published table; a
    difference is recorded table by table (and is a defect to investigate).
    """
    signature = _input_signature(manifest)
    earlier = []
    for path in paths.releases_dir.glob("*/manifest.json"):
        other = json.loads(path.read_text(encoding="utf-8"))
        if other["release_id"] < manifest["release_id"] and _input_signature(other) == signature:
            earlier.append(other)
    if not earlier:
        return {"compared_with": None, "identical": None,
                "note": "no earlier release from the same inputs, rule set and code"}
    previous = max(earlier, key=lambda m: m["release_id"])
    differing = sorted(
        t for t, meta in manifest["tables"].items()
        if previous["tables"].get(t, {}).get("fingerprint") != meta["fingerprint"]
    )
    return {"compared_with": previous["release_id"], "identical": not differing, "tables_differing": differing}


# What a publish writes under a temporary name: the release folder (in releases/) and the serving file (in
# published/). Names starting with "." are never releases; the next refresh removes leftovers.
TEMPORARY_RELEASE_PREFIX = ".tmp-"
TEMPORARY_SERVING_PREFIX = ".indicators-"


def temporary_serving_file(paths: ProjectPaths, name: str) -> Path:
    return paths.published_dir / f"{TEMPORARY_SERVING_PREFIX}{name}.duckdb"


def remove_temporary_serving_file(tmp_db: Path) -> None:
    for leftover in (tmp_db, tmp_db.with_name(tmp_db.name + ".wal")):
        leftover.unlink(missing_ok=True)


def remove_publish_leftovers(paths: ProjectPaths) -> list[str]:
    """Temporary folders and files of a publish (or restore) that never finished (never a release)."""
    removed = []
    if paths.releases_dir.exists():
        for folder in sorted(paths.releases_dir.glob(f"{TEMPORARY_RELEASE_PREFIX}*")):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(display(folder))
    if paths.published_dir.exists():
        for leftover in sorted(paths.published_dir.glob(f"{TEMPORARY_SERVING_PREFIX}*")):
            leftover.unlink(missing_ok=True)
            removed.append(display(leftover))
    return removed


def build_serving_file(paths: ProjectPaths, release_dir: Path, manifest: dict, tmp_db: Path) -> None:
    tmp_db.unlink(missing_ok=True)
    source = duckdb.connect(str(paths.warehouse_db), read_only=True)
    con = warehouse.limit_memory(duckdb.connect())
    try:
        con.execute(f"attach '{tmp_db}' as pub (storage_version '{STORAGE_COMPATIBILITY_VERSION}')")
        for table in manifest["tables"]:
            con.execute(
                f"create table pub.main.{table} as select * from read_parquet('{release_dir / (table + '.parquet')}')"
            )
            table_comment, column_comments = _comments(source, table)
            if table_comment:
                con.execute(f"comment on table pub.main.{table} is {_sql_string(table_comment)}")
            for column, text in column_comments.items():
                con.execute(f'comment on column pub.main.{table}."{column}" is {_sql_string(text)}')
        con.execute(
            "create table pub.main.release_info as select ? as release_id, ? as created_at, "
            "? as git_commit, ? as rule_set_sha256, ? as manifest_json",
            [
                manifest["release_id"],
                manifest["created_at"],
                manifest["git_commit"],
                manifest["rule_set"]["sha256"],
                json.dumps(manifest),
            ],
        )
        table_comment, column_comments = RELEASE_INFO_COMMENTS
        con.execute(f"comment on table pub.main.release_info is {_sql_string(table_comment)}")
        for column, text in column_comments.items():
            con.execute(f'comment on column pub.main.release_info."{column}" is {_sql_string(text)}')
        con.execute("checkpoint pub")
        con.execute("detach pub")
    finally:
        con.close()
        source.close()


def served_release_id(paths: ProjectPaths) -> str | None:
    """The release the serving file holds (its release_info), or None when there is none."""
    if not paths.published_db.exists():
        return None
    con = duckdb.connect(str(paths.published_db), read_only=True)
    try:
        return con.execute("select release_id from release_info").fetchone()[0]
    except duckdb.Error:
        return None
    finally:
        con.close()


def reconcile_releases(paths: ProjectPaths) -> list[str]:
    """After a publish that was killed: remove release folders newer than the served release (never served)
    and point latest.json at the served release. Returns what was changed."""
    served = served_release_id(paths)
    changed: list[str] = []
    if served is None or not paths.releases_dir.exists():
        return changed  # nothing served (yet, or the file was removed by hand): no folder is judged
    registered = {e["release_id"] for e in load_registry(paths)}
    has_files = (paths.releases_dir / served / "manifest.json").exists()
    if served not in registered and has_files:
        # Killed between the swap of the serving file and the registry's update.
        record_release(paths, manifest_of(paths, served), None)
        registered.add(served)
        changed.append(f"{display(registry_path(paths))} (added {served}, the served release)")
    for folder in sorted(paths.releases_dir.iterdir()):
        never_served = folder.name > served and folder.name not in registered
        if folder.is_dir() and not folder.name.startswith(".") and never_served:
            shutil.rmtree(folder, ignore_errors=True)
            changed.append(f"{display(folder)} (never served)")
    pointer = paths.latest_release_file
    current = json.loads(pointer.read_text(encoding="utf-8")).get("release_id") if pointer.exists() else None
    if current != served and has_files:
        point_latest(paths, manifest_of(paths, served))
        changed.append(f"{display(pointer)} (now {served}, the served release)")
    return changed
