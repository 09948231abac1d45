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
  employment such that every primary cell shares its group's residual with others worth at least
  ``protection_width`` of its value (a secondary cell, in the other groups it belongs to, with others worth
  what the primary cell it protects needs), holding at least ``min_units`` units in all;
* **the audit** (:func:`audit`): for every suppressed cell, the interval a reader can infer from every published
  value of the table (linear programming, the cell's minimum and maximum under the published totals and
  non-negativity) must reach at least ``protection_width`` of the true value on both sides.

Suppressed cells publish neither their value nor their count of units: a suppressed value is NULL, never 0.
"""

from __future__ import annotations

import csv
import hashlib
import json
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


def rules_from_values(values: dict) -> DisclosureRules:
    """The rule set from its loaded row (intermediate.int_disclosure_rules), as the dbt models see it."""
    return DisclosureRules(
        name=str(values["rule_set"]),
        version=str(values["rule_set_version"]),
        min_units=int(values["min_units"]),
        dominance_1_k=float(values["dominance_1_k"]),
        dominance_2_k=float(values["dominance_2_k"]),
        protection_width=float(values["protection_width"]),
        sha256="",
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


def _solve_group(values: np.ndarray, units: np.ndarray, suppressed: np.ndarray, need: np.ndarray,
                 rules: DisclosureRules) -> np.ndarray | None:
    """The cells of one group to suppress (a boolean mask including the ones already suppressed), by a MILP;
    None when no choice protects every cell that needs it (the group total must then be withheld). ``need``
    is the slack each suppressed cell needs from the other suppressed cells of the group: p x its value for a
    primary cell; for a secondary cell, what the primary cell it was chosen for needs (so that the primary
    cell cannot be narrowed through it from another group)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    n = len(values)
    if not suppressed.any():
        return suppressed.copy()
    # Already protected (the usual case where most cells are small): nothing to choose.
    suppressed_total = values[suppressed].sum()
    if (units[suppressed].sum() >= rules.min_units
            and all(suppressed_total - values[i] >= need[i] for i in np.flatnonzero(suppressed))):
        return suppressed.copy()
    rows, lower = [], []
    for i in np.flatnonzero(suppressed):
        if need[i] <= 0:
            continue
        # The other suppressed cells of the group hold at least what cell i needs: sum_{k != i} x_k y_k >= need_i.
        row = values.astype(float).copy()
        row[i] = 0.0
        rows.append(row)
        lower.append(need[i])
    rows.append(units.astype(float))  # the suppressed cells hold at least min_units units in all
    lower.append(float(rules.min_units))
    constraints = LinearConstraint(np.array(rows), lb=np.array(lower), ub=np.inf)
    fixed = suppressed.astype(float)
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
    p = rules.protection_width
    need = [p * c.value if c.status != FREE else 0.0 for c in table.cells]
    withheld: list[tuple] = []
    # A cell suppressed for one group must be protected in every other group it belongs to (a two-way table's
    # suppressions close into rectangles): repeat over the groups until nothing changes. A secondary cell needs
    # the slack of the primary cells it protects, not of its own value.
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
            needs = np.array([need[i] for i in idx], dtype=float)
            chosen = _solve_group(values, units, suppressed, needs, rules)
            if chosen is None:
                withheld.append(group.key)
                changed = True
                continue
            protected_need = needs[suppressed].max() if suppressed.any() else 0.0
            for position, i in enumerate(idx):
                if chosen[position] and statuses[i] == FREE:
                    statuses[i] = SECONDARY
                    need[i] = protected_need
                    changed = True
    return statuses, withheld


# Rounds of repair after the audit of a table (see protected_suppression) before its exposed groups are withheld.
MAX_REPAIRS = 3


def protected_suppression(table: Table, rules: DisclosureRules) -> tuple[list[str], list[tuple]]:
    """:func:`secondary_suppression`, then the audit of the table as a reader sees it, repaired until every
    primary cell is protected.

    The MILP protects each group on its own: a cell's slack in one group may come from secondary cells whose sum
    another group's published total pins (the national class total counts a district's secondary cells as slack
    that the district's total takes back). Where the audit finds a primary cell that can be narrowed, the
    smallest free cell covering the shortfall is suppressed in each of its groups (preferring cells that no other
    published total pins), and the table is audited again; after :data:`MAX_REPAIRS` rounds, the groups of a cell
    still exposed have their totals withheld, which leaves it unbounded above. A table with one published group
    needs no repair: there the MILP's slack is the audit's interval."""
    statuses, withheld = secondary_suppression(table, rules)
    if sum(1 for g in table.groups if g.total_published) < 2:
        return statuses, withheld
    index = {cell.key: i for i, cell in enumerate(table.cells)}
    for round_ in range(MAX_REPAIRS + 1):
        exposed = [r for r in audit(table, statuses, set(withheld), rules) if not r.protected]
        if not exposed:
            break
        published = [g for g in table.groups if g.total_published and g.key not in withheld]
        for result in exposed:
            i = index[result.key]
            groups = [g for g in published if i in g.cells]
            if round_ == MAX_REPAIRS:
                withheld.extend(g.key for g in groups if g.key not in withheld)
                continue
            shortfall = result.required - min(result.upper - result.value, result.value - result.lower)
            for group in groups:
                free = [k for k in group.cells if statuses[k] == FREE]
                unpinned = [k for k in free if not any(k in g.cells for g in published if g is not group)]
                candidates = unpinned or free
                if not candidates:
                    continue
                covering = [k for k in candidates if table.cells[k].value >= shortfall]
                chosen = (min(covering, key=lambda k: (table.cells[k].value, k)) if covering
                          else max(candidates, key=lambda k: (table.cells[k].value, -k)))
                statuses[chosen] = SECONDARY
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


def _published_groups(table: Table, hidden: set[int], withheld: set[tuple]) -> list[tuple[frozenset, float]]:
    """(the hidden cells of a published group, the sum a reader knows they make), for groups with hidden cells."""
    out = []
    for group in table.groups:
        if not group.total_published or group.key in withheld:
            continue
        members = frozenset(i for i in group.cells if i in hidden)
        if members:
            out.append((members, sum(table.cells[i].value for i in members)))
    return out


def _laminar(groups: list[tuple[frozenset, float]]) -> bool:
    sets = [g for g, _ in groups]
    return all(a.isdisjoint(b) or a <= b or b <= a for n, a in enumerate(sets) for b in sets[n + 1:])


def _laminar_intervals(hidden: list[int], groups: list[tuple[frozenset, float]]) -> dict[int, tuple[float, float]]:
    """The LP's intervals in closed form when the published groups nest (each district within its country's
    class total): a cell's smallest group G, less the sums of G's subgroups (all known), leaves S for the cells of
    G in no subgroup; the cell ranges over [0, S] when it shares S with another cell, and is S when alone; a
    cell in no group is bounded only below (by 0)."""
    unique: dict[frozenset, float] = {}
    for members, total in groups:
        unique[members] = total
    ordered = sorted(unique.items(), key=lambda g: len(g[0]))
    out = {}
    for i in hidden:
        smallest = next(((m, t) for m, t in ordered if i in m), None)
        if smallest is None:
            out[i] = (0.0, float("inf"))
            continue
        members, total = smallest
        children = [(m, t) for m, t in ordered if m < members and i not in m]
        # Only maximal children count (a child of a child is inside it).
        maximal = [(m, t) for m, t in children if not any(m < other for other, _ in children)]
        loose = set(members) - set().union(*[m for m, _ in maximal]) if maximal else set(members)
        share = total - sum(t for _, t in maximal)
        out[i] = (0.0, share) if len(loose) > 1 else (share, share)
    return out


def audit(table: Table, statuses: list[str], withheld: set[tuple], rules: DisclosureRules) -> list[AuditResult]:
    """The interval a reader can infer for each suppressed cell from the published values (the free cells and
    the published group totals), by linear programming; see the module docstring. When the published groups nest
    (districts within national totals, the warehouse's tables) the LP's solution is computed in closed form
    (:func:`_laminar_intervals`; the tests check that both agree); otherwise two LPs per cell are solved."""
    from scipy.optimize import linprog

    hidden = [i for i, s in enumerate(statuses) if s != FREE]
    if not hidden:
        return []
    groups = _published_groups(table, set(hidden), withheld)
    if _laminar(groups):
        intervals = _laminar_intervals(hidden, groups)
        return [AuditResult(table.cells[i].key, table.cells[i].value, *intervals[i],
                            required_width(statuses[i], table.cells[i].value, rules)) for i in hidden]
    return _audit_lp(table, hidden, statuses, withheld, rules, linprog)


def required_width(status: str, value: float, rules: DisclosureRules) -> float:
    """How far, on each side, a reader must be kept from a suppressed cell's value: the protection width for a
    primary cell (A, O, T). A secondary cell (D) is not sensitive itself: it is suppressed so that the primary
    cells cannot be narrowed through it, which their own intervals show."""
    return rules.protection_width * value if status != SECONDARY else 0.0


def _audit_lp(table: Table, hidden: list[int], statuses: list[str], withheld: set[tuple], rules: DisclosureRules,
              linprog) -> list[AuditResult]:
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
        results.append(AuditResult(cell.key, cell.value, lower, upper, required_width(statuses[i], cell.value, rules)))
    return results


@dataclass
class _AuditTally:
    """What the audit of a warehouse reports: cells audited, unprotected ones (the first 20 as examples), the
    narrowest protection of a primary cell."""

    audited: int = 0
    unprotected: int = 0
    narrowest: float | None = None
    examples: list[dict] = field(default_factory=list)

    def add(self, result: AuditResult, where: dict) -> None:
        self.audited += 1
        if result.required > 0:  # primary cells: how far a reader is kept from them
            margin = min(result.upper - result.value, result.value - result.lower)
            ratio = margin / result.value if result.value else float("inf")
            self.narrowest = ratio if self.narrowest is None else min(self.narrowest, ratio)
        if not result.protected:
            self.unprotected += 1
            if len(self.examples) < 20:
                self.examples.append({**where, "value": result.value, "lower": result.lower, "upper": result.upper})

    def merge(self, other: _AuditTally) -> None:
        self.audited += other.audited
        self.unprotected += other.unprotected
        if other.narrowest is not None:
            self.narrowest = other.narrowest if self.narrowest is None else min(self.narrowest, other.narrowest)
        self.examples.extend(other.examples[: 20 - len(self.examples)])

    def as_dict(self) -> dict:
        narrowest = None if self.narrowest is None or self.narrowest == float("inf") else self.narrowest
        return {"audited": self.audited, "unprotected": self.unprotected, "narrowest": narrowest,
                "examples": self.examples}

    @classmethod
    def from_dict(cls, data: dict) -> _AuditTally:
        return cls(data["audited"], data["unprotected"], data["narrowest"], list(data["examples"]))


# The audit's own code: a partition's recorded audit is reused only by the same code and rules.
AUDIT_CODE_SHA256 = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()

_PARTITION_CELLS = """
    select p.country, p.ref_year, p.industry_system, p.industry_code, p.area_code, r.region_code,
           p.employees, p.establishments, m.conf_status, m.national_share is not null as shares_published
    from intermediate.int_area_industry_primary as p
    inner join marts.area_industry as m using (country, ref_year, area_code, industry_system, industry_code)
    left join intermediate.int_area_regions as r using (country, area_code)
    where p.country = ? and p.ref_year = ?
"""

# The content of everything a partition's audit reads (its cells, their published statuses and shares, the
# published district totals over them), as one hash computed in DuckDB.
_PARTITION_DIGEST = f"""
    select md5(coalesce(string_agg(h, ',' order by h), '')) from (
        select md5(cast((industry_system, industry_code, area_code, region_code, employees, establishments,
                         conf_status, shares_published) as varchar)) as h
        from ({_PARTITION_CELLS})
        union all
        select md5(cast(('district', industry_system, main_industry_code, area_code, district_id) as varchar))
        from marts.districts where employees is not null and country = ? and ref_year = ?
    )
"""


def audit_warehouse(con, rules: DisclosureRules, previous: dict | None = None) -> dict:
    """The audit of a built warehouse (read-only connection): for each industry class of each country and year
    with suppressed register cells, the table a reader sees is rebuilt from what is published (the free cells of
    marts.area_industry, the district totals of marts.districts, a class's national total where any national
    share of it is published) with the true values of the suppressed cells, and every suppressed cell's interval
    is solved; likewise each district's tier and size-class cells under its published employees. Returns counts
    and the unprotected cells (none in a release).

    ``previous`` is an earlier result: a partition (country x year) whose audited content has the same hash as
    then (``partitions`` in the result), audited by the same code and rules, keeps its earlier tally instead of
    being solved again (the audit is a function of that content), so a refresh that changed one year audits that
    year's cells. ``partitions_reused`` says how many were."""
    districts = con.execute(
        "select country, ref_year, industry_system, main_industry_code, area_code, district_id from marts.districts "
        "where employees is not null"
    ).fetchall()
    published_totals: dict[tuple, list[tuple[str, str]]] = {}
    for country, year, system, code, region, district_id in districts:
        published_totals.setdefault((country, year, system, code), []).append((region, district_id))
    reusable = {}
    if (previous and previous.get("rules_sha256") == rules.sha256
            and previous.get("audit_code_sha256") == AUDIT_CODE_SHA256):
        reusable = previous.get("partitions") or {}
    tally = _AuditTally()
    by_partition: dict[str, dict] = {}
    reused = 0
    # One country x year at a time: a national register's cells are many (memory), and no group spans two.
    partitions = con.execute(
        "select distinct country, ref_year from intermediate.int_area_industry_primary order by 1, 2").fetchall()
    for country, year in partitions:
        key = f"{country}|{year}"
        digest = con.execute(_PARTITION_DIGEST, [country, year, country, year]).fetchone()[0]
        prior = reusable.get(key)
        if prior is not None and prior.get("digest") == digest:
            part = _AuditTally.from_dict(prior)
            reused += 1
        else:
            part = _audit_partition(con, country, year, published_totals, rules)
        tally.merge(part)
        by_partition[key] = {"digest": digest, **part.as_dict()}
    # Each district's tiers, and its size classes, add up to its published employees: one group per dimension.
    components = con.execute(
        """
        select c.district_id, c.ref_year, c.dimension, c.component, c.employees, c.units,
               coalesce(s.conf_status, 'F') as conf_status, d.employees is not null as total_published
        from intermediate.int_district_component_cells as c
        left join intermediate.int_disclosure_component_suppression as s using (district_id, ref_year, dimension, component)
        left join marts.districts as d using (district_id, ref_year)
        order by 1, 2, 3, 4
        """
    ).fetchall()
    by_district: dict[tuple, list] = {}
    for row in components:
        by_district.setdefault(row[:3], []).append(row)
    component_cells = 0
    for key, rows in by_district.items():
        statuses = [r[6] for r in rows]
        if all(s == FREE for s in statuses):
            continue
        table = Table([Cell((r[3],), float(r[4]), int(r[5]), r[6]) for r in rows])
        if rows[0][7]:
            table.groups.append(Group(("district", key[0]), list(range(len(rows)))))
        for result in audit(table, statuses, set(), rules):
            component_cells += 1
            tally.add(result, {"district_id": key[0], "ref_year": key[1], "dimension": key[2],
                               "component": result.key[0]})
    return {
        "rule_set": rules.name,
        "rule_set_version": rules.version,
        "rules_sha256": rules.sha256,
        "protection_width": rules.protection_width,
        "suppressed_cells_audited": tally.audited,
        "district_component_cells_audited": component_cells,
        "unprotected_cells": tally.unprotected,
        "narrowest_protection": (None if tally.narrowest is None or tally.narrowest == float("inf")
                                 else round(tally.narrowest, 6)),
        "unprotected_examples": tally.examples,
        "audit_code_sha256": AUDIT_CODE_SHA256,
        "partitions": by_partition,
        "partitions_reused": reused,
    }


def _audit_partition(con, country: str, year: int, published_totals: dict, rules: DisclosureRules) -> _AuditTally:
    """The audit of one country x year's register cells (see audit_warehouse)."""
    tally = _AuditTally()
    cells = con.execute(_PARTITION_CELLS + " order by 1, 2, 3, 4, 5", [country, year]).fetchall()
    by_class: dict[tuple, list] = {}
    for row in cells:
        by_class.setdefault(row[:4], []).append(row)
    del cells
    for klass, rows in by_class.items():
        statuses = [r[8] for r in rows]
        if all(s == FREE for s in statuses):
            continue
        table = Table([Cell((r[4],), float(r[6]), int(r[7]), r[8]) for r in rows])
        for region, district_id in published_totals.get(klass, []):
            members = [i for i, r in enumerate(rows) if r[5] == region]
            if members:
                table.groups.append(Group(("district", district_id), members))
        if any(r[9] for r in rows):
            table.groups.append(Group(("national_class",), list(range(len(rows)))))
        for result in audit(table, statuses, set(), rules):
            tally.add(result, {"class": list(klass), "area_code": result.key[0]})
    return tally


AUDIT_FILE = "disclosure_audit.json"


def _build_id(paths) -> str | None:
    """The dbt build the warehouse's tables come from (its invocation id in run_results.json)."""
    try:
        results = json.loads((paths.dbt_target_dir / "run_results.json").read_text(encoding="utf-8"))
        return results["metadata"]["invocation_id"]
    except (OSError, KeyError, ValueError):
        return None


def record_audit(paths, result: dict) -> None:
    """Keep the audit of the current build beside the warehouse: the release records it without auditing again."""
    (paths.warehouse_dir / AUDIT_FILE).write_text(
        json.dumps({"dbt_invocation_id": _build_id(paths), "audit": result}, indent=2) + "\n", encoding="utf-8")


def _recorded(paths) -> dict | None:
    try:
        return json.loads((paths.warehouse_dir / AUDIT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def recorded_audit(paths) -> dict | None:
    """The audit recorded for the current build, or None (no audit yet, or one of an earlier build)."""
    recorded = _recorded(paths)
    build = _build_id(paths)
    if recorded is None or build is None or recorded.get("dbt_invocation_id") != build:
        return None
    return recorded["audit"]


def last_audit(paths) -> dict | None:
    """The last audit recorded for this warehouse, of whichever build (its partitions' tallies can be reused)."""
    recorded = _recorded(paths)
    return recorded.get("audit") if recorded else None
