"""Sensitivity of the results to the rule set (METHOD.md: every [O] threshold is reported with a
sensitivity analysis).

* District results: how many districts change when one threshold moves by +-10 %. For each
  parameter and direction the dbt models downstream of the rule set are rebuilt on a copy of the
  warehouse with that one value overridden (dbt var ``rule_overrides``) and compared with the
  unchanged results: districts identified or lost, typology classes changed, stages changed.
* Partner matching (``--matching``): how stable the partner lists are when one composite weight
  moves by +-20 %: the share of second-bloc districts whose best partner changes, and how much of
  their top five survives. Only the rule set and the matching models are rebuilt.

The warehouse itself is never touched.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.paths import DBT_PROJECT_DIR, WAREHOUSE_DB_ENV, ProjectPaths
from pipelines.rules import load_rule_set

# Parameters that decide which places are districts, their class and their stage.
DEFAULT_PREFIXES = ("district_min_", "typology_", "lifecycle_")
# The weights of the partner-matching composite (METHOD.md 5) and the models they feed.
MATCHING_PREFIX = "match_weight_"
MATCHING_MODELS = "int_rule_parameters int_rules int_partner_components int_partner_matches partner_matches partner_top5"


@dataclass
class SensitivityRow:
    parameter: str
    base_value: float
    new_value: float
    districts_before: int
    districts_added: int
    districts_removed: int
    class_changes: int
    stage_changes: int

    @property
    def changed(self) -> int:
        return self.districts_added + self.districts_removed + self.class_changes


def rule_values() -> dict[str, float]:
    """The values of the run's rule set (pipelines/rules.py; the file CROSSCLUSTER_RULE_SET names, by default
    dbt_project/rule_sets/district_v1.csv)."""
    from pipelines.paths import project_paths

    return load_rule_set(project_paths().rule_set_file).values


class RuleModelRebuilder:
    """dbt in this process for a series of rebuilds of one DuckDB file (a copy of the warehouse).

    The project is parsed once and the parsed manifest is reused for every rebuild (dbt's programmatic
    ``dbtRunner``), so each variant costs only the execution of the models it selects; dbt vars are
    rendered at compile time, so every rebuild sees its own values. Used as a context manager: the
    warehouse path dbt reads (``CROSSCLUSTER_WAREHOUSE_DB``) points at ``db`` inside the block only,
    and the DuckDB database dbt opened is closed on exit.
    """

    def __init__(self, db: Path):
        self.db = db
        self._runner = None
        self._saved_env: str | None = None
        work = db.parent
        self._common = [
            "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(work / "dbt_target"), "--log-path", str(work / "dbt_logs"), "--quiet",
        ]

    def __enter__(self) -> RuleModelRebuilder:
        from dbt.cli.main import dbtRunner

        self._saved_env = os.environ.get(WAREHOUSE_DB_ENV)
        os.environ[WAREHOUSE_DB_ENV] = str(self.db)
        parsed = dbtRunner().invoke(["parse", *self._common])
        if not parsed.success:
            self.__exit__(None, None, None)
            raise RuntimeError(f"dbt parse failed: {parsed.exception}")
        self._runner = dbtRunner(manifest=parsed.result)
        return self

    def rebuild(self, dbt_vars: dict, select: str = "int_rule_parameters+") -> None:
        """Rebuild the models ``select`` (default: every model downstream of the rule set) with dbt vars."""
        result = self._runner.invoke(["run", "--select", *select.split(), "--vars", json.dumps(dbt_vars), *self._common])
        if not result.success:
            failures = [r.message for r in (result.result or []) if r.status not in ("success", "skipped")]
            raise RuntimeError(f"dbt run with {dbt_vars} failed: {result.exception or '; '.join(map(str, failures))}")

    def query(self, sql: str) -> list[tuple]:
        # The same process holds the file open through dbt: a connection with dbt's configuration shares it.
        with duckdb.connect(str(self.db)) as con:
            return con.execute(sql).fetchall()

    def __exit__(self, *exc) -> None:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager

        try:
            DuckDBConnectionManager.env().close()
        except Exception:  # no environment was created (parse failed before connecting)
            pass
        DuckDBConnectionManager.close_all_connections()
        if self._saved_env is None:
            os.environ.pop(WAREHOUSE_DB_ENV, None)
        else:
            os.environ[WAREHOUSE_DB_ENV] = self._saved_env


def rebuild_rule_models(db: Path, dbt_vars: dict, select: str = "int_rule_parameters+") -> None:
    """Rebuild the models ``select`` in the DuckDB file ``db`` once, with dbt vars."""
    with RuleModelRebuilder(db) as rebuilder:
        rebuilder.rebuild(dbt_vars, select)


def _snapshot(rebuilder: RuleModelRebuilder) -> tuple[dict, dict]:
    classes = {(r[0], r[1]): r[2] for r in rebuilder.query(
        "select district_id, ref_year, typology_class from marts.district_typology")}
    stages = {(r[0], r[1]): r[2] for r in rebuilder.query(
        "select district_id, ref_year, lifecycle_stage from marts.district_lifecycle")}
    return classes, stages


def run_sensitivity(
    paths: ProjectPaths, parameters: list[str] | None = None, delta: float = 0.10, progress=None
) -> list[SensitivityRow]:
    values = rule_values()
    chosen = parameters or [p for p in values if p.startswith(DEFAULT_PREFIXES)]
    unknown = [p for p in chosen if p not in values]
    if unknown:
        raise ValueError(f"unknown parameter(s) {', '.join(unknown)}; see `crosscluster rules show`")
    if not paths.warehouse_db.exists():
        raise FileNotFoundError(f"{paths.warehouse_db} does not exist; run `crosscluster refresh` first")
    with tempfile.TemporaryDirectory(prefix="crosscluster-sensitivity-") as work:
        db = Path(work) / "warehouse.duckdb"
        shutil.copy(paths.warehouse_db, db)
        with RuleModelRebuilder(db) as rebuilder:
            return _district_rows(rebuilder, values, chosen, delta, progress)


def _moves(rebuilder: RuleModelRebuilder, values: dict[str, float], chosen: list[str], delta: float, progress,
           select: str = "int_rule_parameters+"):
    """Each chosen parameter moved by -delta and +delta in turn: the models rebuilt with it, then (parameter,
    new value) yielded for the caller to read the result."""
    for parameter in chosen:
        for factor in (1 - delta, 1 + delta):
            new = values[parameter] * factor
            if progress:
                progress(parameter, new)
            rebuilder.rebuild({"rule_overrides": {parameter: new}}, select)
            yield parameter, new


def _district_rows(
    rebuilder: RuleModelRebuilder, values: dict[str, float], chosen: list[str], delta: float, progress
) -> list[SensitivityRow]:
    rebuilder.rebuild({})
    base_classes, base_stages = _snapshot(rebuilder)
    rows = []
    for parameter, new in _moves(rebuilder, values, chosen, delta, progress):
        classes, stages = _snapshot(rebuilder)
        common = base_classes.keys() & classes.keys()
        rows.append(
            SensitivityRow(
                parameter=parameter,
                base_value=values[parameter],
                new_value=round(new, 6),
                districts_before=len(base_classes),
                districts_added=len(classes.keys() - base_classes.keys()),
                districts_removed=len(base_classes.keys() - classes.keys()),
                class_changes=sum(1 for k in common if classes[k] != base_classes[k]),
                stage_changes=sum(1 for k in base_stages.keys() & stages.keys() if stages[k] != base_stages[k]),
            )
        )
    return rows


@dataclass
class MatchingSensitivityRow:
    weight: str
    base_value: float
    new_value: float
    districts: int
    top_partner_changes: int
    top5_changes: int
    mean_top5_overlap: float

    @property
    def top_partner_change_share(self) -> float:
        return self.top_partner_changes / self.districts if self.districts else 0.0


def _top5(rebuilder: RuleModelRebuilder) -> dict[str, list[str]]:
    rows = rebuilder.query(
        "select second_district_id, first_district_id from marts.partner_matches "
        "where rank_for_second <= 5 order by second_district_id, rank_for_second"
    )
    top: dict[str, list[str]] = {}
    for second, first in rows:
        top.setdefault(second, []).append(first)
    return top


def run_matching_sensitivity(
    paths: ProjectPaths, weights: list[str] | None = None, delta: float = 0.20, progress=None
) -> list[MatchingSensitivityRow]:
    """Move each composite weight by +-delta and compare every second-bloc district's top five."""
    values = rule_values()
    chosen = weights or [p for p in values if p.startswith(MATCHING_PREFIX)]
    unknown = [p for p in chosen if p not in values or not p.startswith(MATCHING_PREFIX)]
    if unknown:
        raise ValueError(
            f"not a matching weight: {', '.join(unknown)}; the weights are "
            f"{', '.join(p for p in values if p.startswith(MATCHING_PREFIX))}"
        )
    if not paths.warehouse_db.exists():
        raise FileNotFoundError(f"{paths.warehouse_db} does not exist; run `crosscluster refresh` first")
    with tempfile.TemporaryDirectory(prefix="crosscluster-sensitivity-") as work:
        db = Path(work) / "warehouse.duckdb"
        shutil.copy(paths.warehouse_db, db)
        with RuleModelRebuilder(db) as rebuilder:
            return _matching_rows(rebuilder, values, chosen, delta, progress)


def _matching_rows(
    rebuilder: RuleModelRebuilder, values: dict[str, float], chosen: list[str], delta: float, progress
) -> list[MatchingSensitivityRow]:
    rebuilder.rebuild({}, MATCHING_MODELS)
    base = _top5(rebuilder)
    if not base:
        raise ValueError("partner_matches is empty: the loaded data have no pair of districts across the blocs")
    rows = []
    for weight, new in _moves(rebuilder, values, chosen, delta, progress, MATCHING_MODELS):
        moved = _top5(rebuilder)
        overlaps = [len(set(base[d]) & set(moved.get(d, []))) / len(base[d]) for d in base]
        rows.append(
            MatchingSensitivityRow(
                weight=weight,
                base_value=values[weight],
                new_value=round(new, 6),
                districts=len(base),
                top_partner_changes=sum(1 for d in base if moved.get(d, [None])[0] != base[d][0]),
                top5_changes=sum(1 for d in base if moved.get(d) != base[d]),
                mean_top5_overlap=round(sum(overlaps) / len(overlaps), 6),
            )
        )
    return rows
