"""What a refresh has to do: the inputs whose content changed since they were landed.

Every load unit (a reference entry; a statistics entry for one country x year) has an input hash: its
catalogue definition and its files' content (``pipelines.ingest.input_sha256``). The warehouse records the
hash of every load it holds (``landing.loads``) and every release records the hashes it was built from, with
the dbt project's (``build_inputs`` in its manifest). So, by hashing the input folder only:

* a unit whose hash differs from the landed one (or that was never landed) is loaded again; the others are
  left exactly as they are;
* the warehouse is rebuilt and published when something was loaded, or when what is landed and the dbt
  project differ from what the last release was built from (a failed earlier build, a changed model);
* otherwise there is nothing to do, and the refresh says so.

Loads whose files have gone from the input folder are kept (the warehouse keeps its history) and listed.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.catalogue import CatalogueEntry, load_catalogue
from pipelines.ingest import input_sha256, relative_name, sha256_of
from pipelines.paths import DBT_PROJECT_DIR, DBT_PROJECT_SOURCES, ProjectPaths

LoadKey = tuple[str, str | None, int | None]  # catalogue entry, country, ref_year (None for reference)


def load_key_text(key: LoadKey) -> str:
    entry, country, year = key
    return entry if year is None else f"{entry}|{country}|{year}"


FileHashes = dict[str, list]  # file path -> [size in bytes, modification time in ns, SHA-256 of its content]


def current_inputs(
    paths: ProjectPaths, entries: list[CatalogueEntry], file_hashes: FileHashes | None = None
) -> dict[LoadKey, str]:
    """The input hash of every load unit that has files in the input folder (and the project's reference data).

    ``file_hashes`` holds the hashes of files read before (the sensor keeps them in its cursor): a file whose
    size and modification time are the ones recorded is not read again. It is updated in place to the files
    found this time."""
    hashes: dict[str, str] = {}
    known = file_hashes if file_hashes is not None else {}
    seen: set[str] = set()

    def sha(path: Path) -> str:
        key = str(path)
        if key not in hashes:
            stat = path.stat()
            recorded = known.get(key)
            if recorded is not None and recorded[:2] == [stat.st_size, stat.st_mtime_ns]:
                hashes[key] = recorded[2]
            else:
                hashes[key] = sha256_of(path)
                known[key] = [stat.st_size, stat.st_mtime_ns, hashes[key]]
            seen.add(key)
        return hashes[key]

    found: dict[LoadKey, str] = {}
    for entry in entries:
        files = entry.find_files(paths)
        if entry.is_partitioned:
            by_year: dict[int, list] = defaultdict(list)
            for f in files:
                if f.ref_year is not None:
                    by_year[f.ref_year].append(f)
            for year, year_files in sorted(by_year.items()):
                found[(entry.name, entry.country, year)] = input_sha256(
                    entry, [(relative_name(entry, f.path), sha(f.path)) for f in year_files])
        elif files:
            found[(entry.name, None, None)] = input_sha256(
                entry, [(relative_name(entry, f.path), sha(f.path)) for f in files])
    for gone in set(known) - seen:
        del known[gone]
    return found


def landed_inputs(warehouse_db: Path) -> dict[LoadKey, str]:
    """The input hash of every load the warehouse holds (empty for a new warehouse)."""
    if not warehouse_db.exists():
        return {}
    with duckdb.connect(str(warehouse_db), read_only=True) as con:
        exists = con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'landing' and table_name = 'loads'"
        ).fetchone()[0]
        if not exists:
            return {}
        rows = con.execute("select catalogue_entry, country, ref_year, input_sha256 from landing.loads").fetchall()
    return {(r[0], r[1] if r[2] is not None else None, r[2]): r[3] for r in rows}


def dbt_project_sha256() -> str:
    """Hash of the dbt project's content: the same models, macros, seeds and tests give the same hash."""
    digest = hashlib.sha256()
    for name in DBT_PROJECT_SOURCES:
        path = DBT_PROJECT_DIR / name
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for f in files:
            if "__pycache__" in f.parts:
                continue
            digest.update(f"\n{f.relative_to(DBT_PROJECT_DIR).as_posix()}\t".encode())
            digest.update(hashlib.sha256(f.read_bytes()).digest())
    return digest.hexdigest()


def build_inputs(loads: dict[LoadKey, str], dbt_sha: str) -> dict:
    """What a release is built from: every landed load's hash and the dbt project's (the manifest's build_inputs)."""
    return {
        "loads": {load_key_text(k): loads[k] for k in sorted(loads, key=load_key_text)},
        "dbt_project_sha256": dbt_sha,
    }


def latest_manifest(paths: ProjectPaths) -> dict | None:
    pointer = paths.latest_release_file
    if not pointer.exists():
        return None
    latest = json.loads(pointer.read_text(encoding="utf-8"))
    manifest = paths.releases_dir / latest["directory"] / "manifest.json"
    return json.loads(manifest.read_text(encoding="utf-8")) if manifest.exists() else None


@dataclass
class RefreshPlan:
    reference: list[str] = field(default_factory=list)  # reference entries to load
    partitions: dict[tuple[str, int], list[str]] = field(default_factory=dict)  # (country, year) -> entries
    years_with_files: dict[str, set[int]] = field(default_factory=dict)  # country -> years (partition keys)
    unchanged: int = 0  # load units whose content is already landed
    kept: list[str] = field(default_factory=list)  # landed load units whose files are gone (kept as landed)
    build: bool = True
    reason: str = ""

    @property
    def loads(self) -> int:
        return len(self.reference) + sum(len(v) for v in self.partitions.values())

    @property
    def nothing_to_do(self) -> bool:
        return not self.loads and not self.build


def plan_refresh(paths: ProjectPaths, *, full: bool = False, entries: list[CatalogueEntry] | None = None) -> RefreshPlan:
    entries = entries if entries is not None else load_catalogue()
    current = current_inputs(paths, entries)
    landed = landed_inputs(paths.warehouse_db)
    plan = RefreshPlan()
    for (name, country, year), digest in current.items():
        if year is not None:
            plan.years_with_files.setdefault(country, set()).add(year)
        if not full and landed.get((name, country, year)) == digest:
            plan.unchanged += 1
        elif year is None:
            plan.reference.append(name)
        else:
            plan.partitions.setdefault((country, year), []).append(name)
    plan.partitions = dict(sorted(plan.partitions.items()))
    plan.kept = sorted(load_key_text(k) for k in landed if k not in current)

    after = {**landed, **current}
    last = latest_manifest(paths)
    if plan.loads:
        plan.build, plan.reason = True, f"{plan.loads} input load(s) new or changed"
    elif last is None:
        plan.build, plan.reason = True, "no release yet"
    elif last.get("build_inputs") != build_inputs(after, dbt_project_sha256()):
        plan.build, plan.reason = True, f"the landed inputs or the dbt project differ from release {last['release_id']}"
    else:
        plan.build = False
        plan.reason = (f"inputs unchanged since release {last['release_id']} ({plan.unchanged} load(s) hashed): "
                       "nothing to load, build or publish")
    return plan
