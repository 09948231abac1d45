"""Statistical disclosure control of cells computed from unit-level registers (METHOD.md 7).

The rules are data: ``dbt_project/seeds/disclosure_rules.csv`` (a versioned disclosure rule set; the release
records its hash). Three parts, all pure functions:

* **primary suppression** (:func:`primary_status`): a cell of fewer than ``min_units`` contributing units is
  unsafe by the frequency rule (CONF_STATUS ``A``); one whose largest unit holds more than ``dominance_1_k`` %
  of its value (``O``) or whose two largest hold more than ``dominance_2_k`` % (``T``) by the dominance rules.
  The dbt models compute the same statuses in DuckDB from each cell's unit contributions (macro
  ``conf_status``); this function is the reference the tests hold them to;
* **secondary suppression** (:func:`secondary_suppression`): the published totals (a district's employees and
  units over its areas, a country's employees in the class, which its national shares reveal) would let a
  reader recover a suppressed cell by subtraction. Within each group of cells whose total is published, more
  cells are suppressed, chosen by a mixed-integer programme (SciPy's HiGHS) that suppresses the least
  employment such that every suppressed cell shares its group's residual with others worth at least
  ``protection_width`` of its value, and holding at least ``min_units`` units in all;
* **the audit** (:func:`audit`): for every suppressed cell, the interval a reader can infer from every published
  value of the table (linear programming, the cell's minimum and maximum under the published totals and
  non-negativity) must reach at least ``protection_width`` of the true value on both sides.

Suppressed cells publish neither their value nor their count of units: a suppressed value is NULL, never 0.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipelines.paths import DBT_PROJECT_DIR

DISCLOSURE_RULES_FILE = DBT_PROJECT_DIR / "seeds" / "disclosure_rules.csv"

# SDMX code list CL_CONF_STATUS.
FREE, SMALL_COUNTS, DOMINANCE_ONE, DOMINANCE_TWO, SECONDARY, CONFIDENTIAL = "F", "A", "O", "T", "D", "C"


@dataclass(frozen=True)
class DisclosureRules:
    name: str
    version: str
    min_units: int
    dominance_1_k: float  # percent
    dominance_2_k: float  # percent
    protection_width: float  # share of the value
    sha256: str


def load_disclosure_rules(path: Path = DISCLOSURE_RULES_FILE) -> DisclosureRules:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    values = {r["parameter"]: float(r["value"]) for r in rows}
    return DisclosureRules(
        name=rows[0]["rule_set"],
        version=rows[0]["rule_set_version"],
        min_units=int(values["min_units"]),
        dominance_1_k=values["dominance_1_k"],
        dominance_2_k=values["dominance_2_k"],
        protection_width=values["protection_width"],
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
    )


def primary_status(contributions: Sequence[float], rules: DisclosureRules) -> str:
    """CONF_STATUS of a cell from its units' contributions (e.g. their employees)."""
    if len(contributions) < rules.min_units:
        return SMALL_COUNTS
    ordered = sorted(contributions, reverse=True)
    total = sum(ordered)
    if total > 0 and ordered[0] > rules.dominance_1_k / 100 * total:
        return DOMINANCE_ONE
    if total > 0 and ordered[0] + ordered[1] > rules.dominance_2_k / 100 * total:
        return DOMINANCE_TWO
    return FREE


@dataclass
class Cell:
    key: tuple
    value: float  # e.g. employees
    units: int
    status: str = FREE  # the primary status (A, O, T) or F


@dataclass
class Group:
    """Cells whose total is published (value and units), e.g. the areas of a district in its main class."""

    key: tuple
    cells: list[int]  # indexes into the table's cells
    total_published: bool = True


@dataclass
class Table:
    """A table of cells and the groups of them whose totals a reader knows."""

    cells: list[Cell]
    groups: list[Group] = field(default_factory=list)


def _solve_group(values: np.ndarray, units: np.ndarray, primary: np.ndarray, rules: DisclosureRules) -> np.ndarray | None:
    """The cells of one group to suppress (a boolean mask including the primary ones), by a MILP; None when no
    choice protects every primary cell (the group total must then be withheld)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    n = len(values)
    if not primary.any():
        return primary.copy()
    p = rules.protection_width
    rows, lower = [], []
    for i in np.flatnonzero(primary):
        # The other suppressed cells of the group hold at least p x_i: sum_{k != i} x_k y_k >= p x_i.
        row = values.astype(float).copy()
        row[i] = 0.0
        rows.append(row)
        lower.append(p * values[i])
    rows.append(units.astype(float))  # the suppressed cells hold at least min_units units in all
    lower.append(float(rules.min_units))
    constraints = LinearConstraint(np.array(rows), lb=np.array(lower), ub=np.inf)
    fixed = primary.astype(float)
    bounds = Bounds(lb=fixed, ub=np.ones(n))
    # Suppress the least employment; a cell of zero value still costs something, so fewer cells win ties.
    cost = values.astype(float) + 1e-6 * (values.sum() + 1)
    result = milp(cost, constraints=constraints, integrality=np.ones(n), bounds=bounds)
    if not result.success:
        return None
    return result.x > 0.5


def secondary_suppression(table: Table, rules: DisclosureRules) -> tuple[list[str], list[tuple]]:
    """(the CONF_STATUS of every cell after secondary suppression, the keys of groups whose totals must be
    withheld because no choice of cells protects their primary cells)."""
    statuses = [c.status for c in table.cells]
    withheld: list[tuple] = []
    # A cell suppressed for one group must be protected in every other group it belongs to (a two-way table's
    # suppressions close into rectangles): repeat over the groups until nothing changes.
    changed = True
    while changed:
        changed = False
        for group in table.groups:
            if not group.total_published or group.key in withheld:
                continue
            idx = np.array(group.cells)
            values = np.array([table.cells[i].value for i in idx], dtype=float)
            units = np.array([table.cells[i].units for i in idx], dtype=float)
            suppressed = np.array([statuses[i] != FREE for i in idx])
            chosen = _solve_group(values, units, suppressed, rules)
            if chosen is None:
                withheld.append(group.key)
                changed = True
                continue
            for position, i in enumerate(idx):
                if chosen[position] and statuses[i] == FREE:
                    statuses[i] = SECONDARY
                    changed = True
    return statuses, withheld


@dataclass
class AuditResult:
    key: tuple
    value: float
    lower: float
    upper: float
    required: float

    @property
    def protected(self) -> bool:
        return self.upper - self.value >= self.required - 1e-6 and self.value - self.lower >= self.required - 1e-6


def audit(table: Table, statuses: list[str], withheld: set[tuple], rules: DisclosureRules) -> list[AuditResult]:
    """The interval a reader can infer for each suppressed cell from the published values (the free cells and
    the published group totals), by linear programming; see the module docstring."""
    from scipy.optimize import linprog

    hidden = [i for i, s in enumerate(statuses) if s != FREE]
    if not hidden:
        return []
    position = {i: j for j, i in enumerate(hidden)}
    equalities, rhs = [], []
    for group in table.groups:
        if not group.total_published or group.key in withheld:
            continue
        members = [i for i in group.cells if i in position]
        if not members:
            continue
        row = np.zeros(len(hidden))
        for i in members:
            row[position[i]] = 1.0
        equalities.append(row)
        rhs.append(sum(table.cells[i].value for i in group.cells) -
                   sum(table.cells[i].value for i in group.cells if i not in position))
    a_eq = np.array(equalities) if equalities else None
    b_eq = np.array(rhs) if rhs else None
    results = []
    for i in hidden:
        objective = np.zeros(len(hidden))
        objective[position[i]] = 1.0
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        upper = -high.fun if high.status == 0 else float("inf")  # unbounded: no total constrains the cell
        lower = low.fun if low.status == 0 else 0.0
        cell = table.cells[i]
        results.append(AuditResult(cell.key, cell.value, lower, upper, rules.protection_width * cell.value))
    return results
