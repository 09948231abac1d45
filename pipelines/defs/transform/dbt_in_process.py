"""dbt run inside the Dagster step's own process (``dbtRunner``), its results turned into Dagster events.

dagster-dbt's resource starts dbt as a new interpreter for every build and reads its JSON log from a pipe; that
costs about three seconds per build before dbt does any work (importing dbt-core and its adapters, reading the
project). Here dbt runs in the step's process, which has imported dbt already (dagster-dbt imports it), and
parses partially from the warehouse's own target folder (``partial_parse.msgpack``, 0.8 s on this project). The
node results are the same messages dbt logs (``LogModelResult``, ``LogTestResult`` ...), collected through a
callback and, when dbt has finished, translated by dagster-dbt exactly as for a subprocess: materializations for
models and seeds, asset check results for tests, the run's selection turned into dbt's ``--select`` by the same
function. dbt prints nothing; its full log is ``dbt.log`` in ``log_path`` (the warehouse's ``logs/``).

dbt runs in the calling thread, so Ctrl-C or SIGTERM (a KeyboardInterrupt there) reaches dbt, which cancels its
open queries and re-raises; a Python model in a worker thread finishes its statement.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from dagster_dbt.asset_utils import (
    DBT_INDIRECT_SELECTION_ENV,
    get_manifest_and_translator_from_dbt_assets,
    get_updated_cli_invocation_params_for_context,
)
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage

from pipelines.errors import DbtBuildFailed

# The messages that carry a node's result (what dagster-dbt's subprocess stream turns into events).
RESULT_EVENTS = frozenset({"LogModelResult", "LogSeedResult", "LogSnapshotResult", "LogTestResult"})
# dbt statuses of a node that stops the build (a test that fails with severity warn is "warn").
FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})

@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Environment variables dbt reads as flags, set for one invocation and restored after."""
    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _failure_message(command: str, result) -> str:
    """Which nodes failed and dbt's own words for each."""
    nodes = getattr(result.result, "results", None) or []
    failed = [r for r in nodes if str(r.status) in FAILED_STATUSES]
    if not failed:
        cause = result.exception or "no node result (see the dbt log)"
        return f"dbt {command} failed: {cause}"
    lines = [f"dbt {command} failed on {len(failed)} node(s):"]
    for r in failed[:20]:
        message = (r.message or "").strip().replace("\n", " ")
        lines.append(f"  {r.node.resource_type} {r.node.name} ({r.status}): {message[:800]}")
    if len(failed) > 20:
        lines.append(f"  ... and {len(failed) - 20} more (run_results.json in the warehouse's dbt target folder)")
    return "\n".join(lines)


def close_warehouse_connection() -> None:
    """dbt-duckdb keeps its DuckDB connection open in the process for the next invocation; the checks and the
    release open the warehouse read-only after the build, which DuckDB refuses while a read-write connection of
    the same process is open. Close it."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None


def run_dbt(context: dg.AssetExecutionContext, args: Sequence[str], *, target_path: Path, log_path: Path) -> Iterator:
    """Run ``dbt <args>`` for the context's selection in this process; yield the Dagster events of its nodes,
    then raise :class:`DbtBuildFailed` when a node failed. The manifest, the translator and the project are the
    ones the dbt assets definition was built with (no second read of manifest.json)."""
    from dbt.cli.main import dbtRunner
    from dbt_common.events.functions import msg_to_dict

    manifest, translator, project = get_manifest_and_translator_from_dbt_assets([context.assets_def])
    params = get_updated_cli_invocation_params_for_context(
        context=context, manifest=manifest, dagster_dbt_translator=translator
    )
    results: list[dict] = []

    def collect(event) -> None:
        if event.info.name in RESULT_EVENTS:
            results.append(msg_to_dict(event))

    flags = [
        "--project-dir", str(project.project_dir),
        "--profiles-dir", str(project.profiles_dir),
        "--target-path", str(target_path),
        # dbt writes its full log (debug level, with the SQL) to log_path/dbt.log; nothing on the console, no network.
        "--log-path", str(log_path),
        "--log-level", "none",
        "--log-level-file", "debug",
        "--no-send-anonymous-usage-stats",
        "--no-use-colors",
    ]
    environment = {DBT_INDIRECT_SELECTION_ENV: params.indirect_selection} if params.indirect_selection else {}
    try:
        with _environment(environment):
            outcome = dbtRunner(callbacks=[collect]).invoke([*args, *flags, *params.selection_args])
    finally:
        close_warehouse_connection()
    for raw in results:
        message = DbtCoreCliEventMessage(raw_event=raw, event_history_metadata={})
        yield from message.to_default_asset_events(
            manifest=params.manifest,
            dagster_dbt_translator=params.dagster_dbt_translator,
            context=context,
            target_path=target_path,
            project=project,
        )
    if not outcome.success:
        raise DbtBuildFailed(_failure_message(args[0], outcome))
