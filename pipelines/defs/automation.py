"""Unattended operation: the jobs, the sensor on the input folder, the schedules and the release's freshness.

* ``reference_job``: the reference data, then the dbt build, the Great Expectations suites and a release;
* ``<country>_statistics_job`` (``it_statistics_job`` ...): one year of a country's statistics (a partition of
  ``<country>_years``), then the same build, suites and release;
* ``build_job``: the dbt build and its tests; ``build_and_publish_job``: the build, the suites and a release.

``crosscluster refresh`` runs these jobs (selecting only the assets with new or changed inputs), and so do the
sensor and the schedules: one orchestration path.

The sensor hashes the files the catalogue reads from the input folder; its cursor keeps each file's size,
modification time and hash, so a file that has not changed since the last evaluation is not read again. A file
whose content is new for its partition requests one run of its country's job for that year (run key: partition
and content hash, so an identical copy requests nothing); the run lands it, rebuilds and publishes. Office reference files in the input
folder (labour-market-area maps) request a ``reference_job`` run the same way.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict

import dagster as dg

from pipelines.catalogue import CatalogueEntry
from pipelines.defs.calendar import ANNUAL_CRON, MONTHLY_CRON, SCHEDULE_TIMEZONE
from pipelines.defs.ingest.assets import ingest_asset_key
from pipelines.defs.partitions import partition_key, partitions_name
from pipelines.defs.publish.assets import RELEASE_KEY
from pipelines.paths import project_paths
from pipelines.plan import current_inputs, landed_inputs, load_key_text

SENSOR_INTERVAL_SECONDS = 60


def statistics_job_name(country: str) -> str:
    return f"{country.lower()}_statistics_job"


def build_jobs(entries: list[CatalogueEntry], dbt_assets: dg.AssetsDefinition, checks: list) -> list:
    downstream = dg.AssetSelection.assets(dbt_assets) | dg.AssetSelection.keys(RELEASE_KEY)
    jobs = [
        dg.define_asset_job(
            "reference_job",
            selection=dg.AssetSelection.groups("reference") | downstream,
            description="Load the reference data (classifications, crosswalks, areas, cluster definitions, the rule "
            "set), rebuild, check and publish.",
        ),
        dg.define_asset_job(
            "build_job",
            selection=dg.AssetSelection.assets(dbt_assets) - dg.AssetSelection.checks(*checks),
            description="dbt build: models, seeds, data tests and unit tests (no suites, no release).",
        ),
        dg.define_asset_job(
            "build_and_publish_job",
            selection=downstream,
            description="dbt build (models and tests), Great Expectations suites, then a release.",
        ),
    ]
    for country in sorted({e.country for e in entries if e.is_partitioned}):
        keys = [ingest_asset_key(e) for e in entries if e.is_partitioned and e.country == country]
        jobs.append(
            dg.define_asset_job(
                statistics_job_name(country),
                selection=dg.AssetSelection.keys(*keys) | downstream,
                description=f"Land one year of {country} statistics (a partition of {partitions_name(country)}), "
                "then rebuild, check and publish.",
            )
        )
    return jobs


def _partition_digest(hashes: list[str]) -> str:
    return hashlib.sha256("".join(sorted(hashes)).encode()).hexdigest()[:16]


def build_raw_files_sensor(
    entries: list[CatalogueEntry], dbt_assets: dg.AssetsDefinition, jobs_by_name: dict
) -> dg.SensorDefinition:
    watched = [e for e in entries if e.root == "raw"]
    by_name = {e.name: e for e in watched}
    downstream = [*dbt_assets.keys, RELEASE_KEY]
    countries = sorted({e.country for e in watched if e.is_partitioned})

    @dg.sensor(
        name="raw_files_sensor",
        jobs=[jobs_by_name["reference_job"], *(jobs_by_name[statistics_job_name(c)] for c in countries)],
        minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description="A new or changed file in the input folder (by content hash) requests one run for its partition: "
        "land, rebuild, check, publish.",
    )
    def raw_files_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        paths = project_paths()
        state = json.loads(context.cursor) if context.cursor else None
        if state is not None and "inputs" not in state:  # a cursor of an earlier version: input hashes only
            state = {"inputs": state, "files": {}}
        file_hashes = state["files"] if state else {}
        current = {load_key_text(k): (k, v) for k, v in current_inputs(paths, watched, file_hashes).items()}
        if state:
            seen = state["inputs"]
        else:  # first evaluation: what the warehouse already holds is not new
            seen = {load_key_text(k): v for k, v in landed_inputs(paths.warehouse_db).items()}
        changed: dict[tuple[str, int] | None, list] = defaultdict(list)
        for text, (key, digest) in current.items():
            if seen.get(text) != digest:
                name, country, year = key
                changed[None if year is None else (country, year)].append((name, digest))
        cursor = json.dumps({"inputs": {**seen, **{t: v for t, (_, v) in current.items()}}, "files": file_hashes},
                            sort_keys=True)
        if not changed:
            # Skipped, with the cursor kept: the files' hashes are not read again next time.
            return dg.SensorResult(skip_reason=f"no new or changed file in {paths.raw_dir}", cursor=cursor)

        requests, new_years = [], defaultdict(list)
        for partition, items in sorted(changed.items(), key=lambda kv: (kv[0] is not None, kv[0] or ("", 0))):
            selection = [ingest_asset_key(by_name[name]) for name, _ in sorted(items)] + downstream
            digest = _partition_digest([d for _, d in items])
            if partition is None:
                requests.append(dg.RunRequest(job_name="reference_job", asset_selection=selection,
                                              run_key=f"reference|{digest}"))
                continue
            country, year = partition
            key = partition_key(year)
            if key not in context.instance.get_dynamic_partitions(partitions_name(country)):
                new_years[country].append(key)
            requests.append(dg.RunRequest(job_name=statistics_job_name(country), partition_key=key,
                                          asset_selection=selection, run_key=f"{country}|{year}|{digest}"))
        return dg.SensorResult(
            run_requests=requests,
            dynamic_partitions_requests=[
                dg.AddDynamicPartitionsRequest(partitions_name(c), sorted(set(keys))) for c, keys in new_years.items()
            ],
            cursor=cursor,
        )

    return raw_files_sensor


def build_schedules(jobs_by_name: dict) -> list[dg.ScheduleDefinition]:
    return [
        dg.ScheduleDefinition(
            name="monthly_rebuild_and_publish",
            job=jobs_by_name["build_and_publish_job"],
            cron_schedule=MONTHLY_CRON,
            execution_timezone=SCHEDULE_TIMEZONE,
            default_status=dg.DefaultScheduleStatus.STOPPED,
            description="Rebuild, check and publish on the first of every month; when nothing changed since the "
            "serving release, the run confirms it and publishes nothing new.",
        ),
        dg.ScheduleDefinition(
            name="annual_reference_refresh",
            job=jobs_by_name["reference_job"],
            cron_schedule=ANNUAL_CRON,
            execution_timezone=SCHEDULE_TIMEZONE,
            default_status=dg.DefaultScheduleStatus.STOPPED,
            description="Reload every reference table (new classification and area vintages), rebuild, check and "
            "publish, once a year.",
        ),
    ]
