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


@dg.asset_check(
    asset=dg.AssetKey(["marts", "area_industry"]),
    name="disclosure_audit",
    blocking=True,
    description="Every suppressed register cell keeps at least the disclosure rule set's protection width on "
    "both sides of the interval a reader can infer from every published value (pipelines/disclosure.py).",
)
def disclosure_audit() -> dg.AssetCheckResult:
    import duckdb

    from pipelines import warehouse
    from pipelines.disclosure import audit_warehouse, last_audit, load_disclosure_rules, record_audit

    paths = project_paths()
    con = warehouse.limit_memory(duckdb.connect(str(paths.warehouse_db), read_only=True))
    try:
        # Partitions whose audited content is unchanged since the last audit keep their tallies.
        result = audit_warehouse(con, load_disclosure_rules(), previous=last_audit(paths))
    finally:
        con.close()
    record_audit(paths, result)  # the release's manifest quotes it (pipelines/publish.py)
    passed = result["unprotected_cells"] == 0
    return dg.AssetCheckResult(
        passed=passed,
        description=None if passed else (
            f"{result['unprotected_cells']} suppressed cell(s) can be narrowed below +-"
            f"{result['protection_width']:.0%}: {result['unprotected_examples'][:3]}"
        ),
        metadata={k: dg.MetadataValue.json(v) if isinstance(v, list | dict) else v for k, v in result.items()
                  if v is not None},
    )
