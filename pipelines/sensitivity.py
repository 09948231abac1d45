"""Sensitivity of the district results to the rule set: how many districts change when one
threshold moves by +-10 % (METHOD.md: every [O] threshold is reported with a sensitivity analysis).

For each parameter and each direction, the dbt models downstream of the rule set are rebuilt on a
copy of the warehouse with that one value overridden (dbt var ``rule_overrides``), and compared
with the unchanged results: districts identified or lost, typology classes changed, life-cycle
stages changed. The warehouse itself is never touched.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.paths import DBT_PROJECT_DIR, WAREHOUSE_DB_ENV, ProjectPaths
from pipelines.publish import RULE_PARAMETERS_SEED

# Parameters that decide which places are districts, their class and their stage.
DEFAULT_PREFIXES = ("district_min_", "typology_", "lifecycle_")


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


def rule_values(rule_set: str = "district_v1") -> dict[str, float]:
    with open(RULE_PARAMETERS_SEED, newline="", encoding="utf-8") as handle:
        return {r["parameter"]: float(r["value"]) for r in csv.DictReader(handle) if r["rule_set"] == rule_set}


def _snapshot(db: Path) -> tuple[dict, dict]:
    with duckdb.connect(str(db), read_only=True) as con:
        classes = dict(
            ((r[0], r[1]), r[2])
            for r in con.execute("select district_id, ref_year, typology_class from marts.district_typology").fetchall()
        )
        stages = dict(
            ((r[0], r[1]), r[2])
            for r in con.execute("select district_id, ref_year, lifecycle_stage from marts.district_lifecycle").fetchall()
        )
    return classes, stages


def _rebuild(db: Path, overrides: dict[str, float]) -> None:
    rebuild_rule_models(db, {"rule_overrides": overrides})


def rebuild_rule_models(db: Path, dbt_vars: dict) -> None:
    """Rebuild every model downstream of the rule set in the DuckDB file ``db`` with dbt vars."""
    dbt = Path(sys.executable).with_name("dbt")
    env = {**os.environ, WAREHOUSE_DB_ENV: str(db)}
    result = subprocess.run(
        [str(dbt), "run", "--select", "int_rules+", "--vars", json.dumps(dbt_vars),
         "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(db.parent / "dbt_target"), "--quiet"],
        cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"dbt run with {dbt_vars} failed:\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}")


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
    rows = []
    with tempfile.TemporaryDirectory(prefix="crosscluster-sensitivity-") as work:
        db = Path(work) / "warehouse.duckdb"
        shutil.copy(paths.warehouse_db, db)
        _rebuild(db, {})
        base_classes, base_stages = _snapshot(db)
        for parameter in chosen:
            for factor in (1 - delta, 1 + delta):
                new = values[parameter] * factor
                if progress:
                    progress(parameter, new)
                _rebuild(db, {parameter: new})
                classes, stages = _snapshot(db)
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
        _rebuild(db, {})
    return rows
