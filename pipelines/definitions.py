"""The Dagster code location: assembles assets, checks, jobs and resources."""

from __future__ import annotations

import dagster as dg

from pipelines.catalogue import load_catalogue
from pipelines.defs.ingest.assets import build_ingest_assets
from pipelines.defs.publish.assets import release
from pipelines.defs.quality.checks import gx_suites
from pipelines.defs.transform.assets import dbt_resource, warehouse_models
from pipelines.defs.transform.project import DBT_PROJECT

DBT_PROJECT.prepare_if_dev()

ingest_assets = build_ingest_assets(load_catalogue())

reference_job = dg.define_asset_job(
    "reference_job",
    selection=dg.AssetSelection.groups("reference"),
    description="Load the reference data (classifications, crosswalks, areas, cluster definitions).",
)
ingest_job = dg.define_asset_job(
    "ingest_job",
    selection=dg.AssetSelection.groups("landing"),
    description="Load one country x year partition of the statistics.",
)
build_and_publish_job = dg.define_asset_job(
    "build_and_publish_job",
    selection=dg.AssetSelection.assets(warehouse_models) | dg.AssetSelection.assets(release),
    description="dbt build (models and tests), Great Expectations suites, then publish a release.",
)

defs = dg.Definitions(
    assets=[*ingest_assets, warehouse_models, release],
    asset_checks=[gx_suites],
    jobs=[reference_job, ingest_job, build_and_publish_job],
    resources={"dbt": dbt_resource()},
)
