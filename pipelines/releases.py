"""The release registry: every release this warehouse published, how releases differ, and restoring one.

``warehouse/releases/registry.json`` holds one entry per release, in publication order: its id, reference
period, status (provisional until an office marks it final), git commit, the hash of its inputs, the hashes
of its rule set, the classification versions it uses, its tables' content fingerprints, the release it
superseded, and when it was served (published or restored). The release folders themselves are immutable
(their files are written read-only); a retention setting (``CROSSCLUSTER_KEEP_RELEASES``, default 24) says how
many release folders are kept on disk: older ones are removed after a publish, never the served one, and
their registry entries stay, marked ``files_removed``.

``diff`` compares two releases cell by cell on each table's key (added, removed, revised rows with the old and
new values); ``restore`` makes an older release the served one again, atomically and under the refresh lock.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.paths import ProjectPaths, display

REGISTRY_FILE = "registry.json"
KEEP_RELEASES_ENV = "CROSSCLUSTER_KEEP_RELEASES"
DEFAULT_KEEP_RELEASES = 24
STATUSES = ("provisional", "final")


class ReleaseError(ValueError):
    """A release that does not exist, or a request the registry refuses."""


def registry_path(paths: ProjectPaths) -> Path:
    return paths.releases_dir / REGISTRY_FILE


def load_registry(paths: ProjectPaths) -> list[dict]:
    """The registry; for a warehouse published before the registry existed, it is first built from the release
    folders up to the served release (each superseding the one before)."""
    path = registry_path(paths)
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    from pipelines.publish import served_release_id

    served = served_release_id(paths)
    if served is None or not paths.releases_dir.exists():
        return []
    entries, previous = [], None
    for manifest_path in sorted(paths.releases_dir.glob("*/manifest.json")):
        release_id = manifest_path.parent.name
        if release_id.startswith(".") or release_id > served:
            continue
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        entries.append(registry_entry(manifest, previous, manifest["created_at"]))
        previous = release_id
    if entries:
        _save_registry(paths, entries)
    return entries


def write_json_atomically(path: Path, payload) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _save_registry(paths: ProjectPaths, entries: list[dict]) -> None:
    write_json_atomically(registry_path(paths), entries)


def point_latest(paths: ProjectPaths, manifest: dict) -> None:
    """Point releases/latest.json at the release of this manifest (the one the serving file now holds)."""
    release_id = manifest["release_id"]
    write_json_atomically(
        paths.latest_release_file,
        {"release_id": release_id, "directory": release_id, "published_at": manifest["created_at"]},
    )


def _sha256_json(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode("utf-8")).hexdigest()


def registry_entry(manifest: dict, supersedes: str | None, served_at: str) -> dict:
    """The registry's row for a release, from its manifest."""
    years = sorted({i["ref_year"] for i in manifest["inputs"] if i.get("ref_year") is not None})
    return {
        "release_id": manifest["release_id"],
        "created_at": manifest["created_at"],
        "reference_period": ", ".join(str(y) for y in years),
        "status": "provisional",
        "git_commit": manifest.get("git_commit"),
        "input_sha256": _sha256_json(manifest.get("build_inputs") or manifest["inputs"]),
        "rule_set_sha256": manifest["rule_set"]["sha256"],
        "rule_set_values_sha256": manifest["rule_set"].get("values_sha256"),
        "disclosure_rules_sha256": (manifest.get("disclosure") or {}).get("rules_sha256"),
        "classification_versions": manifest.get("classification_versions", []),
        "fingerprints": {t: meta["fingerprint"] for t, meta in manifest["tables"].items()},
        "supersedes": supersedes,
        "served": [served_at],
        "files_removed": False,
    }


def record_release(paths: ProjectPaths, manifest: dict, supersedes: str | None) -> None:
    """Add a just-served release to the registry (once)."""
    entries = load_registry(paths)
    if any(e["release_id"] == manifest["release_id"] for e in entries):
        return
    entries.append(registry_entry(manifest, supersedes, datetime.now(UTC).isoformat(timespec="seconds")))
    _save_registry(paths, entries)


def make_immutable(folder: Path) -> None:
    for file in folder.iterdir():
        if file.is_file():
            file.chmod(0o444)


def manifest_of(paths: ProjectPaths, release_id: str) -> dict:
    path = paths.releases_dir / release_id / "manifest.json"
    if not path.exists():
        known = ", ".join(e["release_id"] for e in load_registry(paths)) or "none"
        raise ReleaseError(f"release {release_id} has no files in {display(paths.releases_dir)} (releases: {known}).")
    return json.loads(path.read_text(encoding="utf-8"))


def set_status(paths: ProjectPaths, release_id: str, status: str) -> dict:
    if status not in STATUSES:
        raise ReleaseError(f"status must be one of {', '.join(STATUSES)}.")
    entries = load_registry(paths)
    for entry in entries:
        if entry["release_id"] == release_id:
            entry["status"] = status
            _save_registry(paths, entries)
            return entry
    raise ReleaseError(f"release {release_id} is not in the registry {display(registry_path(paths))}.")


def keep_releases() -> int:
    value = os.environ.get(KEEP_RELEASES_ENV, "")
    try:
        keep = int(value) if value else DEFAULT_KEEP_RELEASES
    except ValueError:
        raise ReleaseError(f"{KEEP_RELEASES_ENV}={value!r} is not a whole number of releases to keep.") from None
    if keep < 1:
        raise ReleaseError(f"{KEEP_RELEASES_ENV} must be at least 1 (the served release is always kept).")
    return keep


def apply_retention(paths: ProjectPaths, served: str, keep: int | None = None) -> list[str]:
    """Remove the files of the oldest releases beyond ``keep`` (never the served one); return their ids."""
    keep = keep_releases() if keep is None else keep
    entries = load_registry(paths)
    on_disk = [e for e in entries if not e["files_removed"] and (paths.releases_dir / e["release_id"]).is_dir()]
    removed = []
    for entry in on_disk[: max(0, len(on_disk) - keep)]:
        if entry["release_id"] == served:
            continue
        shutil.rmtree(paths.releases_dir / entry["release_id"])
        entry["files_removed"] = True
        removed.append(entry["release_id"])
    if removed:
        _save_registry(paths, entries)
    return removed


@dataclass
class TableDiff:
    table: str
    added: int
    removed: int
    revised: int
    rows: list[dict]  # the first changed rows: change, key, and for revisions the changed columns (old, new)


def diff_releases(paths: ProjectPaths, first: str, second: str, *, table: str | None = None,
                  limit: int = 20) -> list[TableDiff]:
    """Cell by cell, on each table's key: rows only in ``second`` (added), only in ``first`` (removed), and in
    both with another value in some column (revised, with old and new values)."""
    a, b = manifest_of(paths, first), manifest_of(paths, second)
    tables = [t for t in a["tables"] if t in b["tables"]]
    if table is not None:
        if table not in tables:
            raise ReleaseError(f"table {table!r} is not in both releases; tables: {', '.join(tables)}.")
        tables = [table]
    out = []
    con = duckdb.connect()
    try:
        for name in tables:
            key = a["tables"][name]["key"]
            columns = [c for c in a["tables"][name]["columns"] if c in b["tables"][name]["columns"] and c not in key]
            file_a = paths.releases_dir / first / a["tables"][name]["file"]
            file_b = paths.releases_dir / second / b["tables"][name]["file"]
            on = " and ".join(f'a."{k}" is not distinct from b."{k}"' for k in key)
            changes = ", ".join(
                f"{{'column': '{c}', 'old': a.\"{c}\"::varchar, 'new': b.\"{c}\"::varchar}}" for c in columns
            ) or ""
            keys = ", ".join(f'coalesce(a."{k}", b."{k}")::varchar as "{k}"' for k in key)
            con.execute(
                f"""
                create or replace temp table changed as
                select
                    case when a._present is null then 'added' when b._present is null then 'removed'
                         else 'revised' end as change,
                    {keys},
                    list_filter([{changes}], lambda x: x.old is distinct from x.new) as columns
                from (select *, true as _present from read_parquet(?)) as a
                full outer join (select *, true as _present from read_parquet(?)) as b on {on}
                """,
                [str(file_a), str(file_b)],
            )
            con.execute("delete from changed where change = 'revised' and len(columns) = 0")
            counts = dict(con.execute("select change, count(*) from changed group by 1").fetchall())
            order = ", ".join(f'"{k}"' for k in key)
            cursor = con.execute(f"select * from changed order by change, {order} limit {int(limit)}")
            names = [d[0] for d in cursor.description]
            rows = []
            for values in cursor.fetchall():
                row = dict(zip(names, values, strict=True))
                row["columns"] = [dict(c) for c in row["columns"]] if row["change"] == "revised" else []
                rows.append(row)
            out.append(TableDiff(name, counts.get("added", 0), counts.get("removed", 0), counts.get("revised", 0),
                                 rows))
    finally:
        con.close()
    return out


def restore(paths: ProjectPaths, release_id: str) -> dict:
    """Serve an older release again: its serving file is rebuilt from its immutable files under a temporary
    name and moved into place atomically, holding the refresh lock. The next refresh that publishes replaces
    it, as it would any release."""
    from pipelines.publish import (
        build_serving_file,
        remove_temporary_serving_file,
        served_release_id,
        temporary_serving_file,
    )
    from pipelines.refresh_lock import refresh_lock

    manifest = manifest_of(paths, release_id)
    with refresh_lock(paths):
        if served_release_id(paths) == release_id:
            raise ReleaseError(f"release {release_id} is already the served one.")
        tmp_db = temporary_serving_file(paths, f"{release_id}-restore")
        try:
            build_serving_file(paths, paths.releases_dir / release_id, manifest, tmp_db)
            os.replace(tmp_db, paths.published_db)
        finally:
            remove_temporary_serving_file(tmp_db)
        point_latest(paths, manifest)
        entries = load_registry(paths)
        for entry in entries:
            if entry["release_id"] == release_id:
                entry["served"].append(datetime.now(UTC).isoformat(timespec="seconds"))
        _save_registry(paths, entries)
    return manifest
