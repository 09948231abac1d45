"""The ``crosscluster`` command.

Exit codes: 0 ok; 1 checks failed, a build step failed, or another refresh holds the warehouse (lock or pool
slot); 2 bad usage or unreadable input; 128 + the signal number when a refresh is stopped (130 Ctrl-C, 143
SIGTERM).
Progress is drawn on a terminal and printed as plain lines when the output is piped.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pipelines.paths import REPO_ROOT, ProjectPaths, display, project_paths
from pipelines.refresh_lock import DEFAULT_WAIT_SECONDS
from pipelines.stopping import StopRequests

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Cross-Clustering Observatory: indicator warehouse for industrial districts and clusters.",
)
# Piped output gets plain lines wide enough not to wrap tables.
console = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

EXIT_OK, EXIT_CHECKS_FAILED, EXIT_BAD_INPUT = 0, 1, 2
INPUT_ERRORS = {"InputFileError", "CatalogueError"}
# Conditions of the machine or of another process, not defects: one line, no stack trace, exit 1.
CONDITION_ERRORS = {"DiskFull", "WarehouseBusy", "DagsterAssetCheckFailedError"}

RawOption = Annotated[
    Path | None,
    typer.Option("--raw", help="Input folder (default: raw/sample, the bundled data).", file_okay=False),
]
WarehouseOption = Annotated[
    Path | None,
    typer.Option("--warehouse", help="Output folder (default: warehouse/).", file_okay=False),
]


RuleSetOption = Annotated[
    Path | None,
    typer.Option(
        "--rule-set",
        help="Rule-set file (default: dbt_project/rule_sets/district_v1.csv); same columns, other values.",
        dir_okay=False,
    ),
]


def _paths(raw: Path | None, warehouse: Path | None, rule_set: Path | None = None) -> ProjectPaths:
    base = project_paths()
    return ProjectPaths(
        raw_dir=(raw or base.raw_dir).resolve(),
        warehouse_dir=(warehouse or base.warehouse_dir).resolve(),
        rule_set_file=(rule_set or base.rule_set_file).resolve(),
    )


def _load_rules(path: Path | None):
    """The rule set of a file (default: the run's, CROSSCLUSTER_RULE_SET or district_v1), or a clear error and exit 2."""
    from pipelines.rules import RuleSetError, load_rule_set

    try:
        return load_rule_set((path or project_paths().rule_set_file).resolve())
    except RuleSetError as exc:
        err.print(f"[red]error[/red] {exc}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None


class _Progress:
    """A spinner per step on a terminal; one plain line per step otherwise."""

    def __init__(self, out: Console) -> None:
        self.out = out
        self.live = out.is_terminal
        self._status = None

    def start(self, step: str, label: str) -> None:
        if self.live:
            self._status = self.out.status(f"[bold]{label}[/bold] ...")
            self._status.start()
        else:
            self.out.print(f"{label} ...", highlight=False)

    def stop(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def notice(self, text: str) -> None:
        self.out.print(text, highlight=False)

    def end(self, outcome) -> None:
        self.stop()
        mark = "[green]OK[/green]" if outcome.ok else "[red]FAILED[/red]"
        self.out.print(f"  {mark} {outcome.label} ({outcome.seconds:.1f}s)", highlight=False)


@app.command()
def refresh(
    raw: RawOption = None,
    warehouse: WarehouseOption = None,
    publish: Annotated[bool, typer.Option("--publish/--no-publish", help="Publish a release at the end.")] = True,
    rule_set: RuleSetOption = None,
    full: Annotated[bool, typer.Option("--full", help="Reload every input, changed or not, then rebuild.")] = False,
    wait: Annotated[
        bool, typer.Option("--wait", help="When another refresh of this warehouse runs, wait for it instead of "
                           "exiting with 1.")
    ] = False,
    wait_seconds: Annotated[
        float, typer.Option("--wait-seconds", help="How long --wait waits for another refresh, and a refresh waits "
                            "for the warehouse's pool slot held by a daemon run, before exit 1.")
    ] = DEFAULT_WAIT_SECONDS,
) -> None:
    """Load what changed -> dbt build -> checks -> publish, on the bundled sample by default.

    Runs the code location's jobs (reference_job, <country>_statistics_job per changed year,
    build_and_publish_job) on the local Dagster instance. Inputs whose content is already landed are not
    loaded again; when nothing changed since the last release, nothing is built or published."""
    paths = _paths(raw, warehouse, rule_set)
    if not paths.raw_dir.is_dir():
        err.print(f"input folder {paths.raw_dir} does not exist; pass an existing folder with --raw.")
        raise typer.Exit(EXIT_BAD_INPUT)
    rules = _load_rules(paths.rule_set_file)
    started = time.perf_counter()
    console.print(
        f"crosscluster refresh: {display(paths.raw_dir)} -> {display(paths.warehouse_dir)} "
        f"(rule set {rules.name} {rules.version_and_hash}, {display(paths.rule_set_file)})",
        highlight=False,
    )
    log_dir = paths.logs_dir
    log_dir.mkdir(parents=True, exist_ok=True)
    # One log per refresh: the time and the process id name it.
    log_path = log_dir / f"refresh-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{os.getpid()}.log"

    from pipelines.catalogue import CatalogueError
    from pipelines.refresh import SlotWaitTimeout, run_refresh
    from pipelines.refresh_lock import RefreshLockHeld

    # dbt's output (re-emitted by dagster-dbt on stdout), Dagster's warnings and errors with their stack traces
    # and library warnings go to the run log; progress lines and one-line errors go to the terminal.
    progress = _Progress(Console(file=sys.stdout, width=console.width))
    # SIGTERM (a scheduler, `timeout`, systemd) stops the refresh as Ctrl-C does.
    stop = StopRequests()
    try:
        with (
            stop,
            open(log_path, "w", encoding="utf-8") as log,
            contextlib.redirect_stdout(log),
            contextlib.redirect_stderr(log),
        ):
            try:
                report = run_refresh(paths, publish_release=publish, full=full,
                                     on_step_start=progress.start, on_step_end=progress.end,
                                     on_notice=progress.notice, should_stop=stop.requested,
                                     wait_seconds=wait_seconds if wait else None)
            except BaseException:
                # The whole story goes to the log; the terminal gets one line (below).
                traceback.print_exc(file=log)
                raise
    except (CatalogueError, RefreshLockHeld, SlotWaitTimeout) as exc:
        progress.stop()
        err.print(f"[red]error[/red] {exc}", highlight=False)
        err.print(f"Run log: {display(log_path)}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT if isinstance(exc, CatalogueError) else EXIT_CHECKS_FAILED) from None
    except KeyboardInterrupt:
        progress.stop()
        signum = stop.signum or signal.SIGINT
        err.print(
            f"refresh stopped ({signal.Signals(signum).name}): the run in progress is marked canceled and its slot "
            f"and the refresh lock are released; the published release is unchanged. Run log: {display(log_path)}",
            highlight=False,
        )
        raise typer.Exit(128 + signum) from None
    wall = time.perf_counter() - started
    timings = {"wall_seconds": round(wall, 3), **report.timings()}
    log_path.with_suffix(".json").write_text(json.dumps(timings, indent=2) + "\n", encoding="utf-8")
    _print_summary(paths, report, log_path, wall)
    failed = report.failed_step
    if failed is not None:
        with open(log_path, "a", encoding="utf-8") as log:
            log.write(f"\n{failed.label} failed:\n{failed.detail}\n")
        if failed.error_class not in INPUT_ERRORS | CONDITION_ERRORS and failed.detail:
            # Not a user error: the stack trace is for whoever fixes the defect.
            err.print(failed.detail, highlight=False, markup=False)
        err.print(f"[red]error[/red] {failed.label}: {failed.error}", highlight=False)
        err.print(f"Run log: {display(log_path)}", highlight=False)
        if failed.error_class in INPUT_ERRORS:
            err.print("The previous warehouse content and the published release are unchanged.")
            raise typer.Exit(EXIT_BAD_INPUT)
        err.print("The published release is unchanged.")
        raise typer.Exit(EXIT_CHECKS_FAILED)
    if report.checks_failed:
        raise typer.Exit(EXIT_CHECKS_FAILED)


def _print_plan(plan) -> None:
    if plan is None:
        return
    console.print(
        f"Plan: {plan.loads} load(s) new or changed, {plan.unchanged} unchanged (already landed); "
        f"{plan.reason}.", highlight=False,
    )
    if plan.kept:
        console.print(f"Kept as landed (no longer in the input folder): {', '.join(plan.kept)}", highlight=False)


def _print_summary(paths: ProjectPaths, report, log_path: Path, seconds: float) -> None:
    console.print()
    _print_plan(report.plan)
    if report.plan is not None and report.plan.nothing_to_do:
        console.print(f"Nothing to do in {seconds:.1f}s: the serving release stays {display(paths.published_db)}.",
                      highlight=False)
        return
    loads = Table(title="Loaded inputs", show_lines=False, title_justify="left")
    numbers = ("read", "landed", "quarantined", "duplicates merged")
    for col in ("asset", "partition", *numbers):
        loads.add_column(col, justify="right" if col in numbers else "left")
    for load in report.loads:
        loads.add_row(
            load["asset"],
            load["partition"] or "-",
            f"{load['rows_read']:,}",
            f"{load['rows_landed']:,}",
            f"{load['rows_quarantined']:,}",
            f"{load['duplicates_merged']:,}",
        )
    console.print(loads)
    quarantined = sum(load["rows_quarantined"] for load in report.loads)
    if quarantined:
        reasons: dict[str, int] = {}
        for load in report.loads:
            for reason, n in load["quarantine_reasons"].items():
                reasons[f"{load['asset']}: {reason}"] = reasons.get(f"{load['asset']}: {reason}", 0) + n
        console.print(f"Quarantined rows ({quarantined:,}), by reason:", highlight=False)
        for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1]):
            console.print(f"  {n:>7,}  {reason}", highlight=False)

    if report.release and not report.release.get("published", True):
        console.print(f"Release {report.release['release_id']} already holds these inputs: nothing new published.",
                      highlight=False)
    elif report.release:
        rows = report.release["rows"]
        tables = Table(title=f"Published release {report.release['release_id']}", title_justify="left")
        tables.add_column("table")
        tables.add_column("rows", justify="right")
        for table, n in rows.items():
            tables.add_row(table, f"{n:,}")
        console.print(tables)
        console.print(f"Serving file: {display(paths.published_db)} (read-only copy for SQL and BI)", highlight=False)
        _print_top_districts(paths)

    if report.checks_failed:
        console.print("[red]Failed checks:[/red]")
        for name in report.checks_failed:
            console.print(f"  {name}", highlight=False)
            if name in report.check_failures:
                console.print(f"    {report.check_failures[name]}", highlight=False, soft_wrap=True)
    ok = report.ok
    status = "[green]Completed successfully[/green]" if ok else "[red]Completed with errors[/red]"
    console.print(status)
    console.print(
        f"Done. STEPS={len(report.steps)} CHECKS PASS={report.checks_passed} "
        f"WARN={len(report.checks_warned)} ERROR={len(report.checks_failed)} "
        f"QUARANTINED={quarantined} in {seconds:.1f}s (log: {display(log_path)})",
        highlight=False,
    )


def _print_top_districts(paths: ProjectPaths) -> None:
    import duckdb

    con = duckdb.connect(str(paths.published_db), read_only=True)
    try:
        rows = con.execute(
            """
            select country, ref_year, district_name, firms, employees, lq, prevalence_index
            from districts order by prevalence_index desc limit 10
            """
        ).fetchall()
        n = con.execute("select count(*) from districts").fetchone()[0]
    finally:
        con.close()
    table = Table(
        title=f"Ten strongest of {n} districts (by prevalence index, excess employment)", title_justify="left"
    )
    for col in ("country", "year", "district", "firms", "employees", "LQ", "excess empl."):
        right = col in ("firms", "employees", "LQ", "excess empl.")
        table.add_column(
            col,
            justify="right" if right else "left",
            no_wrap=not right,
            overflow="ellipsis",
            max_width=70 if col == "district" else None,
        )
    for r in rows:
        table.add_row(r[0], str(r[1]), r[2], f"{r[3]:,}", f"{r[4]:,}", f"{r[5]:.1f}", f"{r[6]:,.0f}")
    console.print(table)


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="SQL to run read-only on the published file.")],
    warehouse: WarehouseOption = None,
    output: Annotated[str, typer.Option("--format", help="table, csv or json")] = "table",
    limit: Annotated[int, typer.Option(help="Rows to print at most (table format).")] = 50,
) -> None:
    """Run read-only SQL on warehouse/published/indicators.duckdb and print the result. The connection cannot
    touch the file system or the network, load extensions or change settings."""
    import duckdb

    from pipelines.warehouse import connect_published, is_refusal

    paths = _paths(None, warehouse)
    if not paths.published_db.exists():
        err.print(f"{display(paths.published_db)} does not exist yet; run `crosscluster refresh` first.")
        raise typer.Exit(EXIT_BAD_INPUT)
    con = connect_published(paths.published_db)
    try:
        try:
            cursor = con.execute(sql)
        except duckdb.Error as exc:
            if is_refusal(exc):
                first_line = str(exc).splitlines()[0]
                err.print(
                    f"[red]refused[/red] {first_line}. crosscluster query reads the published tables only: no "
                    "files (COPY, EXPORT, read_csv, glob, ATTACH), no extensions (INSTALL, LOAD) and no settings "
                    f"(SET). For files, read the Parquet release in {display(paths.releases_dir)}.",
                    highlight=False,
                )
            else:
                err.print(f"[red]query error[/red] {exc}", highlight=False)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        if cursor.description is None:
            return
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    finally:
        con.close()
    if output == "csv":
        import csv

        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    elif output == "json":
        print(json.dumps([dict(zip(columns, r, strict=True)) for r in rows], default=str, indent=1))
    elif output == "table":
        table = Table(*columns)
        for r in rows[:limit]:
            table.add_row(*("" if v is None else (f"{v:.4g}" if isinstance(v, float) else str(v)) for v in r))
        console.print(table)
        if len(rows) > limit:
            console.print(f"({len(rows):,} rows, {limit} shown; use --limit or --format csv)")
    else:
        err.print("--format must be table, csv or json")
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command()
def generate(
    country: Annotated[str, typer.Option("--country", help="IT or MX")],
    units: Annotated[int, typer.Option("--units", help="Local units to generate per year.")],
    year: Annotated[
        list[int] | None,
        typer.Option("--year", help="Reference year; repeatable (--year 2016 --year 2021); the last one with --years."),
    ] = None,
    years: Annotated[int, typer.Option("--years", help="Number of consecutive years ending at --year.")] = 1,
    seed: Annotated[int, typer.Option("--seed")] = 1,
    out: Annotated[Path, typer.Option("--out", help="Output folder (a raw/ input folder).")] = Path("raw/generated"),
    rule_set: RuleSetOption = None,
) -> None:
    """Write a synthetic national register (and exports, banks, population; MX: LMA map) in native formats,
    calibrated from the rule set (its size classes, size facts and identification thresholds)."""
    from pipelines.generate import generate as run

    rules = _load_rules(rule_set)

    chosen = sorted(set(year or [2021]))
    if years < 1:
        err.print("--years must be at least 1")
        raise typer.Exit(EXIT_BAD_INPUT)
    if years > 1 and len(chosen) > 1:
        err.print("give either several --year or one --year with --years, not both")
        raise typer.Exit(EXIT_BAD_INPUT)
    if years > 1:
        chosen = list(range(chosen[0] - years + 1, chosen[0] + 1))
    started = time.perf_counter()
    try:
        report = run(country, units, chosen, seed, out, rules=rules)
    except ValueError as exc:
        err.print(f"[red]error[/red] {exc}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    for y in report.years:
        console.print(
            f"{report.country} {y}: {report.units[y]:,} units, {report.employees[y]:,} employees", highlight=False
        )
    console.print(
        f"{len(report.districts)} planted districts; {len(report.files)} files under {out} "
        f"in {time.perf_counter() - started:.1f}s (synthetic: see {out}/{country.lower()}/GENERATED.json)",
        highlight=False,
    )


@app.command()
def bench(
    units: Annotated[
        list[int], typer.Option("--units", help="Local units (repeatable: --units 1000000 --units 5000000).")
    ],
    matching_districts: Annotated[
        int, typer.Option("--matching-districts", help="Districts per bloc for the matching run (0: none).")
    ] = 1000,
    out: Annotated[Path, typer.Option("--out", help="Work folder for generated data and warehouses.")] = Path(
        "warehouse/bench"
    ),
) -> None:
    """Side by side in one run: refresh vs one hand-written DuckDB query (the floor) vs pandas, a no-change
    refresh, one changed partition of ten, and 1,000 x 1,000 partner matching."""
    from pipelines.bench import run_bench, run_partition_bench
    from pipelines.bench_matching import run_bench_matching
    from pipelines.defs.transform.project import ensure_manifest

    ensure_manifest()  # a stale dbt manifest would make the first measured refresh parse the project
    out = out.resolve()
    results: dict = {"machine": {"cpus": os.cpu_count()}, "registers": [], "partitions": [], "matching": None}

    def line(label: str, r: dict) -> None:
        console.print(
            f"  {label:24s} wall {r['wall_seconds']:7.2f}s  work {r['compute_seconds']:7.2f}s  "
            f"start-up {r.get('startup_seconds', 0):6.2f}s  peak {r['peak_rss_mb']:6,} MB",
            highlight=False,
        )

    for n in units:
        console.print(f"bench: {n:,} units (one register) ...", highlight=False)
        result = run_bench(n, out)
        results["registers"].append(result)
        for kind in ("floor", "pandas", "refresh", "no_change_refresh"):
            line(kind, result[kind])
        console.print(f"  ratios {result['ratios']}", highlight=False)
        console.print(f"bench: {n:,} units in ten partitions ...", highlight=False)
        ten = run_partition_bench(n, out)
        results["partitions"].append(ten)
        line("full refresh", ten["full_refresh"])
        line("one partition changed", ten["one_partition_changed"])
        console.print(f"  one changed / full (wall) {ten['one_over_full_wall']:.1%}", highlight=False)
    if matching_districts:
        console.print(f"bench: matching {matching_districts:,} x {matching_districts:,} districts ...",
                      highlight=False)
        results["matching"] = run_bench_matching(matching_districts, out)
        m = results["matching"]
        console.print(f"  {m['pairs']:,} pairs: dbt run {m['wall_seconds']:.2f}s wall, peak {m['peak_rss_mb']:,} MB",
                      highlight=False)
    path = out / "bench-results.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    console.print(f"results: {path}", highlight=False)


@app.command("bench-matching")
def bench_matching(
    districts: Annotated[
        list[int], typer.Option("--districts", help="Districts per bloc (repeatable: --districts 300 --districts 1000).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Work folder.")] = Path("warehouse/bench"),
) -> None:
    """Time the partner-matching models on N x N generated districts."""
    from pipelines.bench_matching import run_bench_matching

    results = []
    for n in districts:
        console.print(f"bench-matching: {n:,} x {n:,} districts ...", highlight=False)
        result = run_bench_matching(n, out.resolve())
        results.append(result)
        console.print(
            f"  {result['pairs']:,} pairs: dbt run {result['wall_seconds']:.2f}s wall "
            f"(models {result['models']}), peak {result['peak_rss_mb']:,} MB",
            highlight=False,
        )
    path = out / "bench-matching-results.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    console.print(f"results: {path}", highlight=False)


rules_app = typer.Typer(
    help="The versioned rule sets (dbt_project/rule_sets/; another file with --rule-set).", no_args_is_help=True
)
app.add_typer(rules_app, name="rules")


@rules_app.command("show")
def rules_show(rule_set: RuleSetOption = None) -> None:
    """Print a rule set: every threshold with its unit, status and source, its version, hash and file hash."""
    rules = _load_rules(rule_set)
    table = Table(
        "parameter", "value", "unit", "status", "source",
        title=f"rule set {rules.name} {rules.version_and_hash} ({display(rules.path)}, sha256 {rules.sha256[:12]})",
        title_justify="left",
    )
    for r in rules.rules.values():
        table.add_row(r.parameter, f"{r.value:g}", r.unit, r.status, r.source)
    console.print(table)
    console.print("Status: V checked against a public source, M from the literature, O our own choice, D the deck.")


@rules_app.command("diff")
def rules_diff(
    first: Annotated[Path, typer.Argument(help="A rule-set file.", dir_okay=False)],
    second: Annotated[Path, typer.Argument(help="Another rule-set file.", dir_okay=False)],
) -> None:
    """The parameters whose values differ between two rule-set files (or that only one has)."""
    from pipelines.rules import diff

    a, b = _load_rules(first), _load_rules(second)
    rows = diff(a, b)
    # The heading is one line whatever the terminal width (long paths are not wrapped), so scripts can read it.
    console.print(f"{display(a.path)} vs {display(b.path)}: {len(rows)} parameter(s) differ", soft_wrap=True)
    table = Table("parameter", f"{a.name} {a.version_and_hash}", f"{b.name} {b.version_and_hash}")
    for parameter, va, vb in rows:
        table.add_row(parameter, "-" if va is None else f"{va:g}", "-" if vb is None else f"{vb:g}")
    console.print(table)


@app.command()
def sensitivity(
    parameter: Annotated[
        list[str] | None,
        typer.Option("--parameter", help="Parameter to move (repeatable); default: all district, typology and "
                     "life-cycle thresholds, or with --matching all composite weights."),
    ] = None,
    delta: Annotated[
        float | None, typer.Option("--delta", help="Relative move of each parameter (default 0.10; 0.20 with --matching).")
    ] = None,
    matching: Annotated[
        bool, typer.Option("--matching", help="Stability of the partner lists when each matching weight moves.")
    ] = False,
    warehouse: WarehouseOption = None,
) -> None:
    """How many districts change (identified, class) when each threshold moves by +-delta; with
    --matching, how many Latin American districts change their best partner or top five."""
    from pipelines.sensitivity import run_matching_sensitivity, run_sensitivity

    paths = _paths(None, warehouse)
    delta = delta if delta is not None else (0.20 if matching else 0.10)

    def progress(p, v):
        if not console.is_terminal:
            console.print(f"  {p} = {v:g} ...", highlight=False)

    try:
        if matching:
            rows = run_matching_sensitivity(paths, parameter, delta, progress=progress)
        else:
            rows = run_sensitivity(paths, parameter, delta, progress=progress)
    except (ValueError, FileNotFoundError) as exc:
        err.print(f"[red]error[/red] {exc}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if matching:
        table = Table("weight", "base", "moved to", "districts", "best partner changed", "share", "top 5 changed",
                      "mean top-5 overlap",
                      title=f"Stability of the partner lists to +-{delta:.0%} moves of each matching weight",
                      title_justify="left")
        for r in rows:
            table.add_row(r.weight, f"{r.base_value:g}", f"{r.new_value:g}", str(r.districts),
                          str(r.top_partner_changes), f"{r.top_partner_change_share:.0%}", str(r.top5_changes),
                          f"{r.mean_top5_overlap:.2f}")
    else:
        table = Table("parameter", "base", "moved to", "districts", "added", "removed", "class changes",
                      "stage changes",
                      title=f"Sensitivity of the district results to +-{delta:.0%} moves of each threshold",
                      title_justify="left")
        for r in rows:
            table.add_row(r.parameter, f"{r.base_value:g}", f"{r.new_value:g}", str(r.districts_before),
                          str(r.districts_added), str(r.districts_removed), str(r.class_changes), str(r.stage_changes))
    console.print(table)
    report = paths.warehouse_dir / "reports" / ("matching_sensitivity.json" if matching else "sensitivity.json")
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps([r.__dict__ for r in rows], indent=2) + "\n", encoding="utf-8")
    console.print(f"report: {display(report)}", highlight=False)


@app.command()
def report(
    release: Annotated[str | None, typer.Option("--release", help="Release id (default: the latest release).")] = None,
    lang: Annotated[
        list[str] | None,
        typer.Option("--lang", help="es, it or en; repeat for several (default: all three)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Output folder (default: <warehouse>/report/<release_id>/).", file_okay=False),
    ] = None,
    cluster: Annotated[
        str | None,
        typer.Option("--cluster", help="U.S. cluster number of the strong-cluster map (default: the traded "
                     "cluster with the most strong counties)."),
    ] = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Write a release's static report: district maps, charts, district cards and the cross-clustering page in
    three languages, as HTML files that open from the file system (no server, no network)."""
    from pipelines.report.data import ReportError
    from pipelines.report.i18n import LANGUAGES
    from pipelines.report.site import write_report

    paths = _paths(None, warehouse)
    try:
        result = write_report(paths, release_id=release, languages=tuple(lang or LANGUAGES), out_dir=out,
                              cluster_code=cluster)
    except ReportError as exc:
        err.print(f"[red]error[/red] {exc}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    console.print(
        f"Report of release {result.release_id}: {len(result.pages)} pages in {', '.join(result.languages)} "
        f"in {result.seconds:.1f}s -> {display(result.out_dir)}/index.html",
        highlight=False,
    )


releases_app = typer.Typer(
    help="The release registry (warehouse/releases/registry.json): list, show, compare and restore releases.",
    invoke_without_command=True,
)
app.add_typer(releases_app, name="releases")


def _release_errors(func):
    """ReleaseError and a held lock as one line and exit 2 / 1."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from pipelines.refresh_lock import RefreshLockHeld
        from pipelines.releases import ReleaseError

        try:
            return func(*args, **kwargs)
        except ReleaseError as exc:
            err.print(f"[red]error[/red] {exc}", highlight=False)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except RefreshLockHeld as exc:
            err.print(f"[red]error[/red] {exc}", highlight=False)
            raise typer.Exit(EXIT_CHECKS_FAILED) from None

    return wrapper


@releases_app.callback()
def releases(ctx: typer.Context, warehouse: WarehouseOption = None) -> None:
    """The releases of the registry (``crosscluster releases`` alone lists them)."""
    if ctx.invoked_subcommand is None:
        releases_list(warehouse)


@releases_app.command("list")
def releases_list(warehouse: WarehouseOption = None) -> None:
    """Every release of the registry, oldest first, with its status and whether it is served."""
    from pipelines.publish import served_release_id
    from pipelines.releases import load_registry

    paths = _paths(None, warehouse)
    entries = load_registry(paths)
    if not entries:
        console.print("No releases yet; run `crosscluster refresh`.")
        return
    served = served_release_id(paths)
    table = Table("release_id", "reference period", "status", "served", "supersedes", "git_commit", "files")
    for e in entries:
        table.add_row(e["release_id"], e["reference_period"], e["status"], "yes" if e["release_id"] == served else "",
                      e["supersedes"] or "", (e["git_commit"] or "")[:10], "removed" if e["files_removed"] else "kept")
    console.print(table)


@releases_app.command("show")
@_release_errors
def releases_show(release_id: Annotated[str, typer.Argument(help="A release id.")],
                  warehouse: WarehouseOption = None) -> None:
    """A release's registry entry and its tables (rows, fingerprint)."""
    from pipelines.releases import ReleaseError, load_registry, manifest_of

    paths = _paths(None, warehouse)
    entry = next((e for e in load_registry(paths) if e["release_id"] == release_id), None)
    if entry is None:
        raise ReleaseError(f"release {release_id} is not in the registry; `crosscluster releases list` lists them.")
    for key in ("release_id", "created_at", "reference_period", "status", "supersedes", "git_commit",
                "input_sha256", "rule_set_sha256", "classification_versions", "served"):
        console.print(f"{key:24s} {entry.get(key)}", highlight=False)
    if entry["files_removed"]:
        console.print("files                    removed by the retention setting")
        return
    manifest = manifest_of(paths, release_id)
    table = Table("table", "rows", "fingerprint")
    for name, meta in manifest["tables"].items():
        table.add_row(name, f"{meta['rows']:,}", meta["fingerprint"][:16])
    console.print(table)


@releases_app.command("diff")
@_release_errors
def releases_diff(
    first: Annotated[str, typer.Argument(help="The older release.")],
    second: Annotated[str, typer.Argument(help="The newer release.")],
    table: Annotated[str | None, typer.Option("--table", help="One table, with its changed rows.")] = None,
    limit: Annotated[int, typer.Option(help="Changed rows shown per table.")] = 20,
    warehouse: WarehouseOption = None,
) -> None:
    """Cell by cell, on each table's key: rows added, removed and revised (old and new values) from FIRST to
    SECOND."""
    from pipelines.releases import diff_releases

    paths = _paths(None, warehouse)
    diffs = diff_releases(paths, first, second, table=table, limit=limit)
    summary = Table("table", "added", "removed", "revised", title=f"{first} -> {second}", title_justify="left")
    for d in diffs:
        summary.add_row(d.table, f"{d.added:,}", f"{d.removed:,}", f"{d.revised:,}")
    console.print(summary)
    if table is not None:
        for row in diffs[0].rows:
            key = {k: v for k, v in row.items() if k not in ("change", "columns")}
            changes = "; ".join(f"{c['column']}: {c['old']} -> {c['new']}" for c in row["columns"])
            console.print(f"{row['change']:8s} {json.dumps(key)} {changes}", highlight=False, soft_wrap=True)


@releases_app.command("restore")
@_release_errors
def releases_restore(release_id: Annotated[str, typer.Argument(help="The release to serve again.")],
                     warehouse: WarehouseOption = None) -> None:
    """Serve an older release again (atomically, under the refresh lock); the next refresh that publishes
    replaces it."""
    from pipelines.releases import restore

    paths = _paths(None, warehouse)
    restore(paths, release_id)
    console.print(f"{display(paths.published_db)} now serves release {release_id}.", highlight=False)


@releases_app.command("finalize")
@_release_errors
def releases_finalize(release_id: Annotated[str, typer.Argument(help="A release id.")],
                      warehouse: WarehouseOption = None) -> None:
    """Mark a release final (releases are provisional when published)."""
    from pipelines.releases import set_status

    set_status(_paths(None, warehouse), release_id, "final")
    console.print(f"release {release_id} is final.", highlight=False)


export_app = typer.Typer(help="Export a release in other formats.", no_args_is_help=True)
app.add_typer(export_app, name="export")


@export_app.command("sdmx")
@_release_errors
def export_sdmx(
    release: Annotated[str | None, typer.Option("--release", help="A release id (default: the served one).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Folder to write (default: warehouse/sdmx/<release>).",
                                             file_okay=False)] = None,
    warehouse: WarehouseOption = None,
) -> None:
    """SDMX-CSV 2.0 data of the published indicator tables and the SDMX-ML 2.1 structure (DSD, code lists,
    dataflows; pipelines/defs/publish/sdmx_structure.yaml), read back and validated against it."""
    from pipelines.publish import served_release_id
    from pipelines.releases import ReleaseError, manifest_of
    from pipelines.sdmx import SdmxInvalid, export_release

    paths = _paths(None, warehouse)
    release = release or served_release_id(paths)
    if release is None:
        raise ReleaseError(f"no release is served from {display(paths.warehouse_dir)}; run `crosscluster refresh`.")
    manifest_of(paths, release)  # a release id that has no files is named with the known ones
    out = out or paths.sdmx_dir / release
    try:
        export = export_release(paths.releases_dir / release, out)
    except SdmxInvalid as exc:
        err.print(f"[red]error[/red] {exc}", highlight=False)
        raise typer.Exit(EXIT_CHECKS_FAILED) from None
    console.print(f"SDMX export of release {release} in {display(out)} (validated against {export.structure_file.name}):",
                  highlight=False)
    for flow, path in export.data_files.items():
        console.print(f"  {path.name}: {export.observations[flow]:,} observations, "
                      f"{export.withheld[flow]:,} withheld (CONF_STATUS not F)", highlight=False)


@app.command()
def ui(raw: RawOption = None, warehouse: WarehouseOption = None, port: int = 3000) -> None:
    """Start the Dagster UI and daemon (dagster dev -w workspace.yaml) on this project: runs, checks, the
    schedules and the sensor on the input folder (turn them on in the UI)."""
    from pipelines.refresh import prepare_environment

    paths = _paths(raw, warehouse)
    prepare_environment(paths)
    dagster = shutil.which("dagster") or str(Path(sys.executable).with_name("dagster"))
    cmd = [dagster, "dev", "-w", str(REPO_ROOT / "workspace.yaml"), "-p", str(port)]
    console.print(" ".join(cmd), highlight=False)
    raise typer.Exit(subprocess.call(cmd, cwd=REPO_ROOT, env=os.environ.copy()))


@app.command()
def daemon(raw: RawOption = None, warehouse: WarehouseOption = None) -> None:
    """Run the Dagster daemon alone (no UI), for unattended operation: the schedules and the sensor that are
    turned on run their jobs; run history and logs go to the warehouse's Dagster storage."""
    from pipelines.refresh import prepare_environment

    paths = _paths(raw, warehouse)
    prepare_environment(paths)
    daemon_cmd = shutil.which("dagster-daemon") or str(Path(sys.executable).with_name("dagster-daemon"))
    cmd = [daemon_cmd, "run", "-w", str(REPO_ROOT / "workspace.yaml")]
    console.print(" ".join(cmd), highlight=False)
    raise typer.Exit(subprocess.call(cmd, cwd=REPO_ROOT, env=os.environ.copy()))


if __name__ == "__main__":
    app()
