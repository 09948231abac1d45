"""Publication: a release (Parquet + manifest) and the atomic swap of indicators.duckdb."""

import dagster as dg

from pipelines.defs.calendar import RELEASE_MAX_AGE, RELEASE_WARN_AGE
from pipelines.defs.partitions import WAREHOUSE_POOL
from pipelines.paths import display, project_paths
from pipelines.publish import PUBLISHED_TABLES, publish, unchanged_release
from pipelines.refresh_lock import ensure_writer_may_run

RELEASE_KEY = dg.AssetKey(["published", "release"])


@dg.asset(
    key=RELEASE_KEY,
    deps=[dg.AssetKey(["marts", t]) for t in PUBLISHED_TABLES],
    group_name="published",
    pool=WAREHOUSE_POOL,
    kinds={"duckdb", "parquet"},
    description=(
        "Writes warehouse/releases/<release_id>/ (Parquet per table, manifest.json) from the marts, "
        "then replaces warehouse/published/indicators.duckdb atomically. When the landed inputs and the dbt "
        "project are those the serving release was built from, nothing new is published."
    ),
    automation_condition=dg.AutomationCondition.eager(),
    # A release older than the monthly schedule allows is flagged in the UI (pipelines/defs/calendar.py).
    freshness_policy=dg.FreshnessPolicy.time_window(fail_window=RELEASE_MAX_AGE, warn_window=RELEASE_WARN_AGE),
)
def release(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    paths = project_paths()
    ensure_writer_may_run(paths, context.run.tags)
    same = unchanged_release(paths)
    if same is not None:
        context.log.info(f"inputs and dbt project unchanged since release {same}: nothing new published")
        return dg.MaterializeResult(
            metadata={"release_id": same, "published": False, "published_file": display(paths.published_db)}
        )
    result = publish(paths)
    context.log.info(f"release {result.release_id} -> {display(paths.published_db)}")
    tables = result.manifest["tables"]
    return dg.MaterializeResult(
        metadata={
            "release_id": result.release_id,
            "published": True,
            "directory": display(result.directory),
            "published_file": display(paths.published_db),
            "rows": dg.MetadataValue.json({t: v["rows"] for t, v in tables.items()}),
            "fingerprints": dg.MetadataValue.json({t: v["fingerprint"] for t, v in tables.items()}),
            "git_commit": result.manifest["git_commit"] or "",
            "seconds": dg.MetadataValue.float(round(result.seconds, 3)),
        }
    )
