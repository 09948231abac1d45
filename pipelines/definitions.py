"""The Dagster code location: assembles assets, checks, jobs, the sensor, schedules and resources."""

from __future__ import annotations

import dagster as dg

from pipelines.catalogue import load_catalogue
from pipelines.defs.automation import build_jobs, build_raw_files_sensor, build_schedules
from pipelines.defs.ingest.assets import build_ingest_assets
from pipelines.defs.publish.assets import release
from pipelines.defs.quality.checks import disclosure_audit, gx_suites
from pipelines.defs.transform.assets import warehouse_models
from pipelines.defs.transform.project import DBT_PROJECT

DBT_PROJECT.prepare_if_dev()

catalogue = load_catalogue()
ingest_assets = build_ingest_assets(catalogue)
jobs = build_jobs(catalogue, warehouse_models, [gx_suites, disclosure_audit])
jobs_by_name = {job.name: job for job in jobs}

defs = dg.Definitions(
    assets=[*ingest_assets, warehouse_models, release],
    asset_checks=[gx_suites, disclosure_audit],
    jobs=jobs,
    sensors=[build_raw_files_sensor(catalogue, warehouse_models, jobs_by_name)],
    schedules=build_schedules(jobs_by_name),
)
