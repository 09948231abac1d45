"""dbt models as Dagster assets; dbt tests become asset checks.

Asset keys mirror DuckDB ``schema.table`` (``marts/districts``) and groups mirror layers.
dbt sources (``landing.area_industry`` ...) are not assets of their own: a model that
reads one depends on every ingest asset that loads that table.
"""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, dbt_assets

from pipelines.catalogue import load_catalogue
from pipelines.defs.ingest.assets import ingest_asset_key
from pipelines.defs.partitions import WAREHOUSE_POOL
from pipelines.defs.transform.dbt_in_process import run_dbt
from pipelines.defs.transform.project import DBT_PROJECT, set_dbt_environment
from pipelines.paths import project_paths
from pipelines.plan import dbt_project_sha256
from pipelines.refresh_lock import ensure_writer_may_run


def _tables_to_ingest_keys() -> dict[dg.AssetKey, list[dg.AssetKey]]:
    mapping: dict[dg.AssetKey, list[dg.AssetKey]] = {}
    for entry in load_catalogue():
        table_key = dg.AssetKey([entry.contract.schema, entry.contract.name])
        mapping.setdefault(table_key, []).append(ingest_asset_key(entry))
        # Every load records its content hash in landing.loads (the fingerprints of incremental builds).
        mapping.setdefault(dg.AssetKey(["landing", "loads"]), []).append(ingest_asset_key(entry))
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


TRANSLATOR = WarehouseTranslator(_tables_to_ingest_keys())
# A run with this tag set to "true" rebuilds every partition of the partitioned models (crosscluster refresh --full).
FULL_REBUILD_TAG = "crosscluster/full_rebuild"


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=TRANSLATOR,
    pool=WAREHOUSE_POOL,
)
def warehouse_models(context: dg.AssetExecutionContext):
    """dbt build: staging views, intermediate and mart tables, seeds and data tests, run in this process.

    Partitioned models rebuild only the country x year partitions whose inputs changed (macros/partitions.sql);
    the build is a full refresh when the dbt project is not the one the warehouse was last built with, or when
    the run asks for it (``crosscluster refresh --full``)."""
    set_dbt_environment()
    paths = project_paths()
    ensure_writer_may_run(paths, context.run.tags)
    project_sha256 = dbt_project_sha256()
    built_with = paths.built_project_file
    full = context.run.tags.get(FULL_REBUILD_TAG) == "true" or not (
        built_with.exists() and built_with.read_text(encoding="utf-8").strip() == project_sha256)
    if full:
        context.log.info("full refresh of the partitioned models (new dbt project, or asked for)")
    # The warehouse's own target folder: its run results, and dbt's partial parsing reused between its runs.
    yield from run_dbt(context, ["build", *(["--full-refresh"] if full else [])],
                       target_path=paths.dbt_target_dir, log_path=paths.logs_dir)
    if not context.is_subset:  # a run of some models leaves the others built with the earlier project
        built_with.write_text(project_sha256 + "\n", encoding="utf-8")
