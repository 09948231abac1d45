"""Publication: a release (Parquet + manifest) and the atomic swap of indicators.duckdb."""

import dagster as dg

from pipelines.defs.partitions import WAREHOUSE_POOL
from pipelines.paths import display, project_paths
from pipelines.publish import PUBLISHED_TABLES, publish

RELEASE_KEY = dg.AssetKey(["published", "release"])


@dg.asset(
    key=RELEASE_KEY,
    deps=[dg.AssetKey(["marts", t]) for t in PUBLISHED_TABLES],
    group_name="published",
    pool=WAREHOUSE_POOL,
    kinds={"duckdb", "parquet"},
    description=(
        "Writes warehouse/releases/<release_id>/ (Parquet per table, manifest.json) from the marts, "
        "then replaces warehouse/published/indicators.duckdb atomically."
    ),
)
def release(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    paths = project_paths()
    result = publish(paths)
    context.log.info(f"release {result.release_id} -> {display(paths.published_db)}")
    tables = result.manifest["tables"]
    return dg.MaterializeResult(
        metadata={
            "release_id": result.release_id,
            "directory": display(result.directory),
            "published_file": display(paths.published_db),
            "rows": dg.MetadataValue.json({t: v["rows"] for t, v in tables.items()}),
            "fingerprints": dg.MetadataValue.json({t: v["fingerprint"] for t, v in tables.items()}),
            "git_commit": result.manifest["git_commit"] or "",
            "seconds": dg.MetadataValue.float(round(result.seconds, 3)),
        }
    )
