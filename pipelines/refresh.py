"""The refresh, step by step, through Dagster in-process runs.

The Dagster CLI cannot select partitioned and unpartitioned assets in one call, so the
refresh orders the steps itself:

1. ``reference``: every reference ingest asset (unpartitioned);
2. ``ingest``: for every country x year with files in the input folder, the statistics
   assets that have files for it (one run per partition);
3. ``build``: dbt build (seeds, models, data tests as asset checks);
4. ``check``: the Great Expectations suites on the marts (blocking asset checks);
5. ``publish``: the release and the atomic swap of the serving file.

Runs are recorded in the Dagster instance under ``warehouse/dagster_home``, so
``crosscluster ui`` shows them. A step that fails, or a failed check, stops the refresh before publishing.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from pipelines.catalogue import load_catalogue
from pipelines.paths import ProjectPaths, display

DAGSTER_YAML = """\
# Written by crosscluster: every asset that writes the warehouse runs in the pool
# "warehouse_writer"; one op at a time may hold it.
concurrency:
  pools:
    default_limit: 1
telemetry:
  enabled: false
"""

# Quiet Dagster's console logger during CLI runs; the CLI prints its own progress.
RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass
class StepOutcome:
    step: str
    label: str
    ok: bool
    seconds: float
    error: str | None = None
    error_class: str | None = None


@dataclass
class RefreshReport:
    steps: list[StepOutcome] = field(default_factory=list)
    loads: list[dict] = field(default_factory=list)
    checks_passed: int = 0
    checks_warned: list[str] = field(default_factory=list)
    checks_failed: list[str] = field(default_factory=list)
    release: dict | None = None
    dbt_execution_seconds: float = 0.0

    def timings(self) -> dict:
        """Wall time per step, and the part of it that is computation rather than start-up."""
        steps = {s.label: round(s.seconds, 3) for s in self.steps}
        ingest = sum(load["seconds"] for load in self.loads)
        publish = (self.release or {}).get("seconds", 0.0)
        compute = ingest + self.dbt_execution_seconds + publish
        return {
            "steps": steps,
            "steps_total": round(sum(steps.values()), 3),
            "compute": {
                "ingest": round(ingest, 3),
                "dbt_execution": round(self.dbt_execution_seconds, 3),
                "publish": round(publish, 3),
                "total": round(compute, 3),
            },
        }

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.steps) and not self.checks_failed

    @property
    def failed_step(self) -> StepOutcome | None:
        return next((s for s in self.steps if not s.ok), None)


def prepare_environment(paths: ProjectPaths) -> None:
    """Environment for dbt and Dagster; the instance config is written once."""
    from pipelines.paths import RAW_DIR_ENV, RULE_SET_ENV, WAREHOUSE_DB_ENV, WAREHOUSE_DIR_ENV

    paths.ensure()
    os.environ[RAW_DIR_ENV] = str(paths.raw_dir)
    os.environ[RULE_SET_ENV] = str(paths.rule_set_file)
    os.environ[WAREHOUSE_DIR_ENV] = str(paths.warehouse_dir)
    os.environ[WAREHOUSE_DB_ENV] = str(paths.warehouse_db)
    os.environ["DAGSTER_HOME"] = str(paths.dagster_home)
    config = paths.dagster_home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML, encoding="utf-8")


def plan_partitions(paths: ProjectPaths) -> dict[tuple[str, int], list[str]]:
    """(country, year) -> names of the statistics entries that have files for it."""
    plan: dict[tuple[str, int], list[str]] = {}
    for entry in load_catalogue():
        for partition in entry.partitions(paths):
            plan.setdefault(partition, []).append(entry.name)
    return dict(sorted(plan.items()))


def _error_of(result) -> tuple[str, str]:
    failures = result.get_step_failure_events()
    if not failures:
        return "the run failed", "Failure"
    error = failures[0].step_failure_data.error
    # User code errors are wrapped; the cause carries the original exception.
    while (
        error is not None
        and error.cause is not None
        and error.cls_name
        in (
            "DagsterExecutionStepExecutionError",
            "DagsterUserCodeExecutionError",
        )
    ):
        error = error.cause
    message = (error.message if error else "the run failed").strip()
    if error and message.startswith(f"{error.cls_name}: "):
        message = message[len(error.cls_name) + 2 :]
    return message, (error.cls_name if error else "Failure")


def _dbt_elapsed(paths: ProjectPaths) -> float:
    """dbt's own execution time for the warehouse's last build (run_results.json)."""
    path = paths.dbt_target_dir / "run_results.json"
    try:
        return float(json.loads(path.read_text(encoding="utf-8"))["elapsed_time"])
    except (OSError, KeyError, ValueError):
        return 0.0


STEPS = ("reference", "ingest", "build", "check", "publish")


def run_refresh(
    paths: ProjectPaths,
    *,
    publish_release: bool = True,
    steps_to_run: tuple[str, ...] = STEPS,
    on_step_start: Callable[[str, str], None] | None = None,
    on_step_end: Callable[[StepOutcome], None] | None = None,
) -> RefreshReport:
    prepare_environment(paths)
    from pipelines.defs.transform.project import ensure_manifest

    ensure_manifest()

    import dagster as dg

    from pipelines.definitions import defs, ingest_assets
    from pipelines.defs.ingest.assets import CONTRACT_CHECK
    from pipelines.defs.partitions import partition_key
    from pipelines.defs.publish.assets import RELEASE_KEY, release
    from pipelines.defs.quality.checks import gx_suites
    from pipelines.defs.transform.assets import warehouse_models

    instance = dg.DagsterInstance.get()
    resources = defs.resources
    all_assets = [*ingest_assets, warehouse_models, release, gx_suites]
    report = RefreshReport()
    by_name = {a.key.path[-1]: a for a in ingest_assets}

    steps: list[tuple[str, str, object, str | None]] = [
        ("reference", "reference data", [a.key for a in ingest_assets if a.key.path[0] == "reference"], None)
    ]
    for (country, year), names in plan_partitions(paths).items():
        key = partition_key(country, year)
        steps.append(("ingest", f"ingest {country} {year}", [by_name[n].key for n in names], key))
    # Selecting assets selects every check on them: the GX suites run in their own step.
    gx_checks = dg.AssetSelection.checks(gx_suites)
    steps.append(("build", "dbt build and tests", dg.AssetSelection.assets(warehouse_models) - gx_checks, None))
    steps.append(("check", "Great Expectations suites", gx_checks, None))
    if publish_release:
        steps.append(("publish", "publish release", [RELEASE_KEY], None))

    steps = [s for s in steps if s[0] in steps_to_run]
    for step, label, keys, pkey in steps:
        if on_step_start:
            on_step_start(step, label)
        started = time.perf_counter()
        result = dg.materialize(
            all_assets,
            selection=keys,
            instance=instance,
            resources=resources,
            partition_key=pkey,
            raise_on_error=False,
            run_config=RUN_CONFIG,
            tags={"crosscluster/step": step, "crosscluster/raw_dir": display(paths.raw_dir)},
        )
        outcome = StepOutcome(step, label, result.success, time.perf_counter() - started)
        for event in result.get_asset_materialization_events():
            mat = event.event_specific_data.materialization
            meta = mat.metadata
            if "rows_read" in meta:
                report.loads.append(
                    {
                        "asset": mat.asset_key.to_user_string(),
                        "partition": mat.partition,
                        "rows_read": meta["rows_read"].value,
                        "rows_landed": meta["rows_landed"].value,
                        "rows_quarantined": meta["rows_quarantined"].value,
                        "duplicates_merged": meta["duplicates_merged"].value,
                        "seconds": meta["seconds"].value,
                        "quarantine_reasons": meta["quarantine_reasons"].value,
                    }
                )
            if mat.asset_key == RELEASE_KEY:
                report.release = {k: v.value for k, v in meta.items()}
        for evaluation in result.get_asset_check_evaluations():
            name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
            if evaluation.passed:
                report.checks_passed += 1
            elif evaluation.severity == dg.AssetCheckSeverity.WARN or evaluation.check_name == CONTRACT_CHECK:
                report.checks_warned.append(name)
            else:
                report.checks_failed.append(name)
        if step == "build":
            report.dbt_execution_seconds = _dbt_elapsed(paths)
        if not result.success:
            outcome.error, outcome.error_class = _error_of(result)
        report.steps.append(outcome)
        if on_step_end:
            on_step_end(outcome)
        if not outcome.ok or report.checks_failed:
            break
    return report
