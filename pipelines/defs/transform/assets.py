"""dbt models as Dagster assets; dbt tests become asset checks.

Asset keys mirror DuckDB ``schema.table`` (``marts/districts``) and groups mirror layers.
dbt sources (``landing.area_industry`` ...) are not assets of their own: a model that
reads one depends on every ingest asset that loads that table.
"""

import importlib.metadata
import sys
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets
from packaging import version

from pipelines.catalogue import load_catalogue
from pipelines.defs.ingest.assets import ingest_asset_key
from pipelines.defs.partitions import WAREHOUSE_POOL
from pipelines.defs.transform.project import DBT_PROJECT, set_dbt_environment
from pipelines.paths import project_paths
from pipelines.refresh_lock import ensure_writer_may_run


def _tables_to_ingest_keys() -> dict[dg.AssetKey, list[dg.AssetKey]]:
    mapping: dict[dg.AssetKey, list[dg.AssetKey]] = {}
    for entry in load_catalogue():
        table_key = dg.AssetKey([entry.contract.schema, entry.contract.name])
        mapping.setdefault(table_key, []).append(ingest_asset_key(entry))
    return mapping


class WarehouseTranslator(DagsterDbtTranslator):
    def __init__(self, source_tables: Mapping[dg.AssetKey, list[dg.AssetKey]]):
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))
        self._source_tables = source_tables

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            return spec.replace_attributes(
                key=dg.AssetKey([props["source_name"], props["name"]]), group_name=props["source_name"]
            )
        schema = props.get("schema") or "main"
        deps = []
        for dep in spec.deps:
            replacement = self._source_tables.get(dep.asset_key)
            if replacement is None:
                deps.append(dep)
            else:
                deps.extend(dg.AssetDep(k) for k in replacement)
        # Seeds live in the reference schema but are part of the dbt build, not of ingest.
        group = "seeds" if props["resource_type"] == "seed" else schema
        return spec.replace_attributes(
            key=dg.AssetKey([schema, props["name"]]),
            group_name=group,
            deps=deps,
            # Under the daemon, a landed partition (or reference table) is followed by the rebuild without a
            # manual step; runs that already include the rebuild leave nothing for it to do.
            automation_condition=dg.AutomationCondition.eager(),
        )


# dbt finishes the statement in progress on SIGINT (a Python model cannot be interrupted); a refresh that is stopped
# waits this long for it, then kills it (DuckDB rolls the unfinished transaction back on the next open).
DBT_TERMINATION_SECONDS = 5.0


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=WarehouseTranslator(_tables_to_ingest_keys()),
    pool=WAREHOUSE_POOL,
)
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """dbt build: staging views, intermediate and mart tables, seeds and data tests."""
    set_dbt_environment()
    ensure_writer_may_run(project_paths(), context.run.tags)
    # The warehouse's own target folder: its run results, and dbt's partial parsing reused between its runs.
    invocation = dbt.cli(["build"], context=context, target_path=project_paths().dbt_target_dir)
    # A stopped refresh (SIGTERM, Ctrl-C) stops dbt with SIGINT and kills it if it has not exited in this time.
    invocation.termination_timeout_seconds = DBT_TERMINATION_SECONDS
    yield from invocation.stream()


class WarehouseDbtResource(DbtCliResource):
    """DbtCliResource that takes dbt's version from the installed dbt-core package.

    The stock resource runs ``dbt --version`` in a subprocess to learn it, once per run,
    which costs about 1.7 s of start-up; dbt-core is installed in this environment, so its
    package metadata gives the same answer at no cost.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))


def dbt_resource() -> DbtCliResource:
    # The dbt of this environment, next to its Python, so that `.venv/bin/crosscluster` works without
    # activating the environment (dbt is then not on PATH).
    return WarehouseDbtResource(project_dir=DBT_PROJECT, dbt_executable=str(Path(sys.executable).with_name("dbt")))
