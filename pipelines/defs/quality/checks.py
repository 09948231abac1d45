"""Great Expectations suites as blocking asset checks on the marts about to be published."""

from collections.abc import Iterable

import dagster as dg

from pipelines.paths import project_paths
from pipelines.quality import describe_failure, load_suites, validate_tables

SUITES = load_suites()


def gx_check_name(suite_name: str) -> str:
    return f"gx_{suite_name}"


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            gx_check_name(s.name),
            asset=dg.AssetKey(["marts", s.table]),
            blocking=True,
            description=f"Great Expectations suite expectations/{s.path.name}",
        )
        for s in SUITES
    ],
    name="gx_suites",
)
def gx_suites() -> Iterable[dg.AssetCheckResult]:
    for result in validate_tables(project_paths().warehouse_db, suites=SUITES):
        yield dg.AssetCheckResult(
            asset_key=dg.AssetKey(["marts", result.table]),
            check_name=gx_check_name(result.suite),
            passed=result.success,
            description="; ".join(describe_failure(f) for f in result.failures) or None,
            metadata={
                "rows": result.rows,
                "expectations": result.evaluated,
                "failures": dg.MetadataValue.json(result.failures),
            },
        )
