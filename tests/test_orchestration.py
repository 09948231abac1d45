"""Running it like a statistical office: the code location's jobs, schedules and sensor; partitions that exist;
a sensor on the input folder; incremental refresh checked by fingerprints."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.paths import SAMPLE_RAW_DIR, ProjectPaths
from pipelines.publish import table_fingerprint

BANKS_2021 = Path("it") / "banks" / "2021" / "sportelli_2021.csv"


def _years_in_folder(raw: Path) -> dict[str, set[int]]:
    """country -> years, read from the folder names (<country>/<source>/<year>/), independently of the catalogue."""
    found: dict[str, set[int]] = {}
    for path in raw.rglob("*"):
        parts = path.relative_to(raw).parts
        if path.is_file() and len(parts) == 4 and re.fullmatch(r"\d{4}", parts[2]):
            found.setdefault(parts[0].upper(), set()).add(int(parts[2]))
    return found


def _add_bank_branches(raw: Path, relative: Path = BANKS_2021, extra: int = 5) -> dict[str, int]:
    """Add branches to every municipality of a bank file; return the new counts by municipality."""
    path = raw / relative
    lines = path.read_text(encoding="cp1252").splitlines()
    counts = {}
    for i, line in enumerate(lines[1:], start=1):
        fields = line.split(";")
        fields[1] = str(int(fields[1]) + extra)
        counts[fields[0]] = int(fields[1])
        lines[i] = ";".join(fields)
    path.write_text("\n".join(lines) + "\n", encoding="cp1252")
    return counts


def _latest_release(paths: ProjectPaths) -> str:
    return json.loads(paths.latest_release_file.read_text(encoding="utf-8"))["release_id"]


def _partition_fingerprints(db: Path, schema: str) -> dict[tuple[str, str, int], str]:
    """(table, country, year) -> fingerprint of that partition's rows, for every table of the schema with both
    columns (the published tables, or the landing tables)."""
    out = {}
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [r[0] for r in con.execute(
            "select table_name from duckdb_columns() where schema_name = ? and column_name in ('country', 'ref_year') "
            "group by table_name having count(*) = 2", [schema]).fetchall()]
        for table in tables:
            for country, year in con.execute(
                f"select distinct country, ref_year from {schema}.{table} where ref_year is not null"
            ).fetchall():
                relation = f"(select * from {schema}.{table} where country = '{country}' and ref_year = {year})"
                out[(table, country, year)] = table_fingerprint(con, relation)
    return out


def test_definitions_hold_the_jobs_schedules_sensor_and_only_real_partitions(refreshed, monkeypatch):
    from pipelines.catalogue import load_catalogue
    from pipelines.definitions import defs
    from pipelines.defs.calendar import SCHEDULE_TIMEZONE
    from pipelines.paths import DAGSTER_HOME_DIR, DAGSTER_STORAGE_ENV

    paths, _ = refreshed
    repository = defs.get_repository_def()
    countries = sorted({e.country for e in load_catalogue() if e.is_partitioned})
    jobs = {job.name for job in repository.get_all_jobs()}
    assert {"reference_job", "build_job", "build_and_publish_job"} <= jobs
    assert {f"{c.lower()}_statistics_job" for c in countries} <= jobs

    schedules = {s.name: s for s in repository.schedule_defs}
    assert set(schedules) == {"monthly_rebuild_and_publish", "annual_reference_refresh"}
    assert all(s.execution_timezone == SCHEDULE_TIMEZONE for s in schedules.values())
    assert schedules["monthly_rebuild_and_publish"].job_name == "build_and_publish_job"
    assert schedules["annual_reference_refresh"].job_name == "reference_job"
    assert "raw_files_sensor" in {s.name for s in repository.sensor_defs}
    release = defs.resolve_assets_def(dg.AssetKey(["published", "release"]))
    assert release.specs_by_key[dg.AssetKey(["published", "release"])].freshness_policy is not None

    # The refresh registered exactly the years that have files, country by country: no empty keys.
    monkeypatch.setenv("DAGSTER_HOME", str(DAGSTER_HOME_DIR))
    monkeypatch.setenv(DAGSTER_STORAGE_ENV, str(paths.dagster_storage))
    with dg.DagsterInstance.get() as instance:
        registered = {c: sorted(instance.get_dynamic_partitions(f"{c.lower()}_years")) for c in countries}
    assert registered == {c: sorted(str(y) for y in years) for c, years in _years_in_folder(SAMPLE_RAW_DIR).items()}


READER = """
import json, sys, time, pathlib, duckdb
db, stop = sys.argv[1], pathlib.Path(sys.argv[2])
seen, errors = [], []
while not stop.exists():
    try:
        con = duckdb.connect(db, read_only=True)
        release_id, manifest = con.execute("select release_id, manifest_json from release_info").fetchone()
        tables = json.loads(manifest)["tables"]
        # A complete release: every table holds the rows its own manifest says.
        for table, meta in tables.items():
            n = con.execute(f"select count(*) from {table}").fetchone()[0]
            if n != meta["rows"]:
                errors.append(f"{release_id} {table}: {n} rows, manifest says {meta['rows']}")
        con.close()
        if not seen or seen[-1] != release_id:
            seen.append(release_id)
    except Exception as exc:
        errors.append(repr(exc))
    time.sleep(0.05)
print(json.dumps({"seen": seen, "errors": errors}))
"""


def test_no_change_refresh_does_nothing_and_one_changed_partition_is_all_that_moves(office, tmp_path):
    import subprocess
    import sys

    from pipelines.refresh import run_refresh

    paths = office
    stop = tmp_path / "stop-reader"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(paths.published_db), str(stop)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    before_release = _latest_release(paths)
    releases = sorted(p.name for p in paths.releases_dir.iterdir())

    # Nothing changed: the inputs are hashed, nothing is loaded, built or published.
    report = run_refresh(paths)
    assert report.ok and report.plan.nothing_to_do
    assert [s.step for s in report.steps] == ["plan"]
    assert sorted(p.name for p in paths.releases_dir.iterdir()) == releases

    landing_before = _partition_fingerprints(paths.warehouse_db, "landing")
    published_before = _partition_fingerprints(paths.warehouse_db, "marts")
    counts = _add_bank_branches(paths.raw_dir)

    report = run_refresh(paths)
    assert report.ok, [(s.label, s.error) for s in report.steps if not s.ok]
    assert report.plan.reference == [] and report.plan.partitions == {("IT", 2021): ["it_bank_branches"]}
    assert [load["asset"] for load in report.loads] == ["landing/it_bank_branches"]
    assert _latest_release(paths) != before_release

    landing_after = _partition_fingerprints(paths.warehouse_db, "landing")
    changed = sorted(k for k in landing_before if landing_after.get(k) != landing_before[k])
    # The partition's rows, and its bookkeeping (its load and its file).
    assert changed == [("bank_branches", "IT", 2021), ("loads", "IT", 2021), ("source_files", "IT", 2021)]
    with duckdb.connect(str(paths.warehouse_db), read_only=True) as con:
        landed = dict(con.execute(
            "select area_code, branches from landing.bank_branches where country = 'IT' and ref_year = 2021").fetchall())
    assert landed == counts

    # The district indicators of IT 2021 follow the new branches; every published row of another country or
    # year is identical.
    published_after = _partition_fingerprints(paths.warehouse_db, "marts")
    assert set(published_after) == set(published_before)
    moved = {(country, year) for (table, country, year), fp in published_after.items()
             if fp != published_before[(table, country, year)]}
    assert moved == {("IT", 2021)}

    # A second change and refresh, while the reader goes on: it saw only complete releases, and no error.
    second_release = _latest_release(paths)
    _add_bank_branches(paths.raw_dir)
    assert run_refresh(paths).ok
    third_release = _latest_release(paths)
    stop.touch()
    out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err
    seen = json.loads(out)
    assert seen["errors"] == []
    assert seen["seen"][0] == before_release and seen["seen"][-1] == third_release
    assert set(seen["seen"]) <= {before_release, second_release, third_release}


def test_sensor_requests_one_run_per_changed_partition_and_its_run_publishes(office, monkeypatch):
    from pipelines.definitions import defs

    paths = office
    sensor = defs.get_repository_def().get_sensor_def("raw_files_sensor")
    instance = dg.DagsterInstance.get()

    def evaluate(cursor):
        with dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs) as context:
            result = sensor(context)
        return result

    # The warehouse already holds every file: nothing to request. The cursor keeps what was hashed.
    first = evaluate(None)
    assert first.skip_reason is not None and not first.run_requests
    state = json.loads(first.cursor)
    assert _sensor_state(paths).items() <= state["inputs"].items()
    cursor = first.cursor

    # An unchanged folder is not read again: the files' sizes and modification times are the recorded ones.
    import pipelines.plan

    read = []
    original = pipelines.plan.sha256_of
    monkeypatch.setattr(pipelines.plan, "sha256_of", lambda path: read.append(path) or original(path))
    assert evaluate(cursor).skip_reason is not None and read == []
    # The same file copied again (same bytes, new modification time): read again, and nothing requested.
    bank = paths.raw_dir / BANKS_2021
    bank.write_bytes(bank.read_bytes())
    assert evaluate(cursor).skip_reason is not None
    assert read == [bank]

    # A changed file: exactly one run, for its partition, landing that entry and rebuilding and publishing.
    _add_bank_branches(paths.raw_dir)
    changed = evaluate(cursor)
    assert len(changed.run_requests) == 1
    request = changed.run_requests[0]
    assert (request.job_name, request.partition_key) == ("it_statistics_job", "2021")
    landing = [k.to_user_string() for k in request.asset_selection if k.path[0] == "landing"]
    assert landing == ["landing/it_bank_branches"]
    assert dg.AssetKey(["published", "release"]) in request.asset_selection
    assert changed.dynamic_partitions_requests == []  # 2021 is a known year

    # A file for a new year: one run for it, and the year becomes a partition of the country.
    new_year = paths.raw_dir / "it" / "banks" / "2022" / "sportelli_2022.csv"
    new_year.parent.mkdir()
    shutil.copy(bank, new_year)
    both = evaluate(cursor)
    assert sorted((r.job_name, r.partition_key) for r in both.run_requests) == [
        ("it_statistics_job", "2021"), ("it_statistics_job", "2022")]
    assert [(r.partitions_def_name, r.partition_keys) for r in both.dynamic_partitions_requests] == [
        ("it_years", ["2022"])]
    shutil.rmtree(new_year.parent)

    # The run it requests, executed in-process, lands the file and publishes a new release.
    before = _latest_release(paths)
    result = defs.resolve_job_def(request.job_name).execute_in_process(
        instance=instance, partition_key=request.partition_key, asset_selection=request.asset_selection,
        raise_on_error=False)
    assert result.success
    assert _latest_release(paths) != before

    # A bad file: the run fails naming the file and the reason; the release stays the previous one.
    served = _latest_release(paths)
    bank.write_text(bank.read_text(encoding="cp1252").replace(";", ","), encoding="cp1252")
    bad = evaluate(changed.cursor)
    assert len(bad.run_requests) == 1
    failed = defs.resolve_job_def(bad.run_requests[0].job_name).execute_in_process(
        instance=instance, partition_key=bad.run_requests[0].partition_key,
        asset_selection=bad.run_requests[0].asset_selection, raise_on_error=False)
    assert not failed.success
    message = failed.get_step_failure_events()[0].step_failure_data.error.to_string()
    assert "sportelli_2021.csv line 1" in message and "comma-delimited" in message
    assert _latest_release(paths) == served


def _sensor_state(paths: ProjectPaths) -> dict[str, str]:
    from pipelines.catalogue import load_catalogue
    from pipelines.plan import current_inputs, load_key_text

    watched = [e for e in load_catalogue() if e.root == "raw"]
    return {load_key_text(k): v for k, v in current_inputs(paths, watched).items()}
