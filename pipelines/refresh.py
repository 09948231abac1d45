"""The refresh: the code location's own jobs, run on the local Dagster instance, for what changed.

1. ``plan``: hash the input folder and compare with what the warehouse holds (pipelines/plan.py); the
   years found are registered as partitions of their country;
2. ``reference``: ``reference_job`` for the reference entries whose content changed;
3. ``ingest``: ``<country>_statistics_job`` for every country x year with new or changed files, selecting only
   those entries (one run per partition);
4. ``build`` / ``check`` / ``publish``: the dbt build with its tests as asset checks, the Great Expectations
   suites and the disclosure audit as blocking checks, then the release. The last run of steps 2-3 does them
   too (its job includes them, as the sensor's runs do), so a refresh of one changed partition is one run;
   with nothing to load, one ``build_and_publish_job`` run; ``build_job`` when the suites and the release are
   not wanted. Runs that build are tagged ``crosscluster/step=build``.

These are the jobs the UI, the schedules and the sensor launch; every run is recorded in the warehouse's
Dagster storage (``warehouse/dagster/``), so ``crosscluster ui`` shows them. When nothing changed since the
last release the refresh hashes the inputs, says so and does nothing else. A step that fails, or a failed
blocking check, stops the refresh before publishing.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from pipelines.paths import DAGSTER_HOME_DIR, ProjectPaths, display
from pipelines.plan import RefreshPlan, plan_refresh
from pipelines.refresh_lock import DEFAULT_WAIT_SECONDS, REFRESH_HOST_TAG, REFRESH_ID_TAG, REFRESH_PID_TAG

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
    detail: str = ""  # the error with its stack trace


@dataclass
class RefreshReport:
    steps: list[StepOutcome] = field(default_factory=list)
    loads: list[dict] = field(default_factory=list)
    checks_passed: int = 0
    checks_warned: list[str] = field(default_factory=list)
    checks_failed: list[str] = field(default_factory=list)
    # What a failed check found (its description): the values, rows and files behind them.
    check_failures: dict[str, str] = field(default_factory=dict)
    release: dict | None = None
    dbt_execution_seconds: float = 0.0
    plan: RefreshPlan | None = None

    def timings(self) -> dict:
        """Wall time per step, and the part of it that is work rather than start-up: the loads (reading,
        validating and landing files), dbt's own execution of models and tests, the checks (Great Expectations
        suites, disclosure audit) and writing the release. The rest is start-up: importing, loading the code
        location, starting runs, hashing the inputs, parsing the dbt project."""
        steps = {s.label: round(s.seconds, 3) for s in self.steps}
        ingest = sum(load["seconds"] for load in self.loads)
        checks = sum(s.seconds for s in self.steps if s.step == "check")
        publish = (self.release or {}).get("seconds", 0.0)
        compute = ingest + self.dbt_execution_seconds + checks + publish
        return {
            "steps": steps,
            "steps_total": round(sum(steps.values()), 3),
            "compute": {
                "ingest": round(ingest, 3),
                "dbt_execution": round(self.dbt_execution_seconds, 3),
                "checks": round(checks, 3),
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
    """Environment for dbt and Dagster: the project's instance configuration (dagster_home/dagster.yaml)
    with this warehouse's run history."""
    from pipelines.paths import DAGSTER_STORAGE_ENV, RAW_DIR_ENV, RULE_SET_ENV, WAREHOUSE_DB_ENV, WAREHOUSE_DIR_ENV

    paths.ensure()
    os.environ[RAW_DIR_ENV] = str(paths.raw_dir)
    os.environ[RULE_SET_ENV] = str(paths.rule_set_file)
    os.environ[WAREHOUSE_DIR_ENV] = str(paths.warehouse_dir)
    os.environ[WAREHOUSE_DB_ENV] = str(paths.warehouse_db)
    os.environ["DAGSTER_HOME"] = str(DAGSTER_HOME_DIR)
    os.environ[DAGSTER_STORAGE_ENV] = str(paths.dagster_storage)


def _error_of(result) -> tuple[str, str, str]:
    """(message, exception class, the whole error with its stack trace) of a failed run."""
    failures = result.get_step_failure_events()
    if not failures:
        return "the run failed", "Failure", ""
    error = failures[0].step_failure_data.error
    detail = error.to_string() if error is not None else ""
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
    if error:  # "pipelines.errors.InputFileError: <message>" -> "<message>"
        message = re.sub(rf"^([\w.]+\.)?{re.escape(error.cls_name)}: ", "", message)
    return message, (error.cls_name if error else "Failure"), detail


def _dbt_elapsed(paths: ProjectPaths) -> float:
    """dbt's own execution time for the warehouse's last build (run_results.json)."""
    path = paths.dbt_target_dir / "run_results.json"
    try:
        return float(json.loads(path.read_text(encoding="utf-8"))["elapsed_time"])
    except (OSError, KeyError, ValueError):
        return 0.0


STEPS = ("reference", "ingest", "build", "check", "publish")
# The ops of the build run and the steps they are reported as.
BUILD_OPS = {"warehouse_models": ("build", "dbt build and tests"), "gx_suites": ("check", "Great Expectations suites"),
             "marts__area_industry_disclosure_audit": ("check", "disclosure audit"),
             "published__release": ("publish", "publish release")}


class _Run(NamedTuple):
    """One Dagster run of a refresh."""

    step: str  # reference, ingest or build (a run that builds, whatever it also loads)
    label: str
    job: str
    selection: list | None = None  # asset keys; None: the whole job
    partition_key: str | None = None
    loads: tuple[str, str] | None = None  # (step, label) of the loads a build run also does


def _op_outcomes(instance, result, loads: tuple[str, str] | None = None) -> list[StepOutcome]:
    """One outcome per op of a build run, timed from the run's own step events; ``loads`` (step, label) names
    the load ops of a run that also lands files: they are reported together as that one step, first."""
    import dagster as dg

    started: dict[str, float] = {}
    outcomes = []
    load_span: list[float] = []
    load_ok = True
    for record in instance.all_logs(result.run_id):
        event = record.dagster_event
        if event is None or event.step_key is None:
            continue
        is_end = event.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE)
        if event.step_key not in BUILD_OPS:
            if loads is not None and (event.event_type == dg.DagsterEventType.STEP_START or is_end):
                load_span.append(record.timestamp)
                load_ok = load_ok and event.event_type != dg.DagsterEventType.STEP_FAILURE
            continue
        step, label = BUILD_OPS[event.step_key]
        if event.event_type == dg.DagsterEventType.STEP_START:
            started[event.step_key] = record.timestamp
        elif is_end:
            seconds = record.timestamp - started.get(event.step_key, record.timestamp)
            outcomes.append(StepOutcome(step, label, event.event_type == dg.DagsterEventType.STEP_SUCCESS, seconds))
    if load_span:
        outcomes.insert(0, StepOutcome(loads[0], loads[1], load_ok, max(load_span) - min(load_span)))
    return outcomes


def _record(report: RefreshReport, result) -> None:
    import dagster as dg

    from pipelines.defs.ingest.assets import CONTRACT_CHECK
    from pipelines.defs.publish.assets import RELEASE_KEY

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
            if evaluation.description:
                report.check_failures[name] = evaluation.description


class SlotWaitTimeout(Exception):
    """The warehouse's pool slot stayed held by another run longer than the refresh may wait."""


def _wait_for_pool(
    instance,
    refresh_id: str,
    wait_seconds: float,
    on_wait: Callable[[str], None] | None,
    should_stop: Callable[[], bool],
    poll: float = 1.0,
) -> None:
    """Wait until no run other than this refresh's holds the warehouse's pool slot; say what it waits for."""
    from pipelines.defs.partitions import WAREHOUSE_POOL

    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return
    deadline = time.monotonic() + wait_seconds
    told = False
    while True:
        holders = sorted({slot.run_id for slot in storage.get_concurrency_info(WAREHOUSE_POOL).claimed_slots})
        runs = [instance.get_run_by_id(run_id) for run_id in holders]
        others = [r for r in runs if r is not None and r.tags.get(REFRESH_ID_TAG) != refresh_id]
        if not others:
            return
        what = ", ".join(f"run {r.run_id[:8]} of {r.job_name}" for r in others)
        if time.monotonic() >= deadline:
            raise SlotWaitTimeout(
                f"the pool slot {WAREHOUSE_POOL!r} is still held by {what} after {wait_seconds:.0f}s. Let that "
                "run finish (crosscluster ui shows it), or cancel it there, then run the refresh again."
            )
        if on_wait is not None and not told:
            on_wait(f"waiting for the pool slot {WAREHOUSE_POOL!r}, held by {what} (giving up after "
                    f"{wait_seconds:.0f}s)")
            told = True
        if should_stop():
            raise KeyboardInterrupt
        time.sleep(poll)


def _stop_interrupted_runs(
    instance, paths: ProjectPaths, refresh_id: str, also_ended: str | None = None
) -> list[str]:
    """After SIGTERM or Ctrl-C: mark this refresh's unfinished runs canceled, free their slots and remove
    what an interrupted publish wrote; the serving release is untouched."""
    import dagster as dg

    from pipelines.publish import remove_publish_leftovers
    from pipelines.refresh_lock import in_progress_runs

    canceled = []
    runs = in_progress_runs(instance, {REFRESH_ID_TAG: refresh_id})
    ended = instance.get_run_by_id(also_ended) if also_ended else None
    if ended is not None and ended.status != dg.DagsterRunStatus.CANCELED:
        runs.append(ended)  # failed by the interruption inside a step: canceled is what happened
    for run in runs:
        instance.report_run_canceled(run, "Canceled: the refresh was stopped (SIGTERM or Ctrl-C).")
        canceled.append(run.run_id)
    storage = instance.event_log_storage
    if storage.supports_global_concurrency_limits:
        for run_id in canceled:
            storage.free_concurrency_slots_for_run(run_id)
    remove_publish_leftovers(paths)
    return canceled


def run_refresh(
    paths: ProjectPaths,
    *,
    publish_release: bool = True,
    full: bool = False,
    steps_to_run: tuple[str, ...] = STEPS,
    on_step_start: Callable[[str, str], None] | None = None,
    on_step_end: Callable[[StepOutcome], None] | None = None,
    on_notice: Callable[[str], None] | None = None,
    wait_seconds: float | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> RefreshReport:
    """Run what the plan says through the code location's jobs; ``full`` reloads every input and rebuilds every
    partition.

    Holds the warehouse's refresh lock throughout (:mod:`pipelines.refresh_lock`): raises
    :class:`RefreshLockHeld` when another refresh runs (after ``wait_seconds`` when given), and first recovers
    from refreshes that died (told through ``on_notice``). A KeyboardInterrupt (Ctrl-C, or SIGTERM turned into
    one by the CLI), or ``should_stop()`` turning true, cancels the run in progress, frees its slot and raises
    KeyboardInterrupt."""
    from pipelines.refresh_lock import refresh_lock

    def waiting_for_lock(owner) -> None:
        if on_notice:
            holder = owner.describe() if owner else "another refresh"
            on_notice(f"waiting for the refresh lock, held by {holder} (giving up after {wait_seconds:.0f}s)")

    with refresh_lock(paths, wait_seconds=wait_seconds, on_wait=waiting_for_lock) as held:
        return _run_locked(
            paths,
            held,
            publish_release=publish_release,
            full=full,
            steps_to_run=steps_to_run,
            on_step_start=on_step_start,
            on_step_end=on_step_end,
            on_notice=on_notice,
            should_stop=should_stop,
            wait_seconds=DEFAULT_WAIT_SECONDS if wait_seconds is None else wait_seconds,
        )


def _run_locked(
    paths: ProjectPaths,
    held,
    *,
    publish_release: bool,
    full: bool,
    steps_to_run: tuple[str, ...],
    on_step_start: Callable[[str, str], None] | None,
    on_step_end: Callable[[StepOutcome], None] | None,
    on_notice: Callable[[str], None] | None,
    should_stop: Callable[[], bool],
    wait_seconds: float,
) -> RefreshReport:
    prepare_environment(paths)
    from pipelines.defs.transform.project import ensure_manifest

    ensure_manifest()

    import dagster as dg

    from pipelines.definitions import catalogue, defs, ingest_assets
    from pipelines.defs.automation import statistics_job_name
    from pipelines.defs.partitions import partition_key, register_partitions
    from pipelines.refresh_lock import recover

    instance = dg.DagsterInstance.get()
    refresh_id = held.owner.refresh_id
    recovery = recover(instance, paths, refresh_id, held.previous_owner)
    if recovery.anything and on_notice:
        on_notice(recovery.describe())
    report = RefreshReport()
    started = time.perf_counter()
    plan = plan_refresh(paths, full=full, entries=catalogue)
    report.plan = plan
    register_partitions(instance, plan.years_with_files)
    report.steps.append(StepOutcome("plan", "hash inputs and plan", True, time.perf_counter() - started))
    publish_release = publish_release and "publish" in steps_to_run
    if plan.nothing_to_do and publish_release:
        return report

    by_name = {a.key.path[-1]: a.key for a in ingest_assets}
    runs: list[_Run] = []
    if plan.reference and "reference" in steps_to_run:
        runs.append(_Run("reference", "reference data", "reference_job", [by_name[n] for n in plan.reference]))
    if "ingest" in steps_to_run:
        for (country, year), names in plan.partitions.items():
            runs.append(_Run("ingest", f"ingest {country} {year}", statistics_job_name(country),
                             [by_name[n] for n in names], partition_key(year)))
    if "build" in steps_to_run:
        from pipelines.defs.publish.assets import RELEASE_KEY
        from pipelines.defs.transform.assets import warehouse_models

        with_suites = "check" in steps_to_run
        if with_suites and publish_release and runs:
            # The last load's job includes the build, the checks and the release (as the sensor's runs do):
            # one run lands it and publishes, instead of a run more for the build.
            last = runs[-1]
            runs[-1] = last._replace(step="build", selection=[*last.selection, *warehouse_models.keys, RELEASE_KEY],
                                     loads=(last.step, last.label))
        else:
            job = "build_and_publish_job" if with_suites and publish_release else "build_job"
            selection = None
            if with_suites and not publish_release:  # the build and the suites (checks of the models), no release
                selection = list(warehouse_models.keys)
                job = "build_and_publish_job"
            runs.append(_Run("build", "dbt build and tests", job, selection))

    tags = {
        "crosscluster/raw_dir": display(paths.raw_dir),
        REFRESH_ID_TAG: refresh_id,
        REFRESH_PID_TAG: str(held.owner.pid),
        REFRESH_HOST_TAG: held.owner.host,
    }
    if full:  # every input reloaded and every partition rebuilt
        from pipelines.defs.transform.assets import FULL_REBUILD_TAG

        tags[FULL_REBUILD_TAG] = "true"
    for step, label, job_name, selection, pkey, loads in runs:
        _wait_for_pool(instance, refresh_id, wait_seconds, on_notice, should_stop)
        if should_stop():
            raise KeyboardInterrupt
        if on_step_start:
            on_step_start(step, label)
        run_started = time.perf_counter()
        try:
            result = defs.resolve_job_def(job_name).execute_in_process(
                instance=instance,
                partition_key=pkey,
                asset_selection=selection,
                raise_on_error=False,
                run_config=RUN_CONFIG,
                tags={"crosscluster/step": step, **tags},
            )
        except KeyboardInterrupt:
            _stop_interrupted_runs(instance, paths, refresh_id)
            raise
        if should_stop():  # the signal reached Dagster's handlers during the run, which ended it
            _stop_interrupted_runs(instance, paths, refresh_id, also_ended=result.run_id)
            raise KeyboardInterrupt
        _record(report, result)
        if step == "build":
            report.dbt_execution_seconds = _dbt_elapsed(paths)
            outcomes = _op_outcomes(instance, result, loads) or [
                StepOutcome(step, label, result.success, time.perf_counter() - run_started)]
        else:
            outcomes = [StepOutcome(step, label, result.success, time.perf_counter() - run_started)]
        if not result.success:
            error, error_class, detail = _error_of(result)
            failed = next((o for o in outcomes if not o.ok), None)
            if failed is None:
                failed = StepOutcome(step, label, False, time.perf_counter() - run_started)
                outcomes.append(failed)
            failed.error, failed.error_class, failed.detail = error, error_class, detail
        for outcome in outcomes:
            report.steps.append(outcome)
            if on_step_end:
                on_step_end(outcome)
        if not result.success or report.checks_failed:
            break
    return report
