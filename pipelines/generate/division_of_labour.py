"""Division of labour and national share of the planted districts.

A district is its local suppliers, machinery makers and business services as much as its main
industry, and it is seldom the whole of its industry. By capability profile, planted districts get

* a share of their main industry's national employment (PROFILE_NATIONAL_SHARE, 35-70 %): the
  rest are scattered units of the same industry outside the districts' areas, with national
  rates of innovation, skills and exports. Against its own industry a district holding a share s
  is at most 1/s times the national value, so the top levels of D2 (export LQ >= 2) and D4 (x2)
  need s < 0.5, hence profile 4's lower share. A district that dominates a small register keeps a
  higher share, and lower linkage LQs, so that its main industry keeps an LQ of at least the rule
  set's ``district_min_lq`` (it stays a district);
* its division of labour: from profile 2, units of the industries supplying its main industry in
  the year's input-output table (coefficient >= ``typology_d2_supplier_min_coefficient``, the own
  division excluded) in its labour-market area, spread over the supplier divisions' classes in
  proportion to the coefficients, with an LQ drawn in Calibration.linkage_lq (1.4-2.0 times the D2
  presence threshold ``typology_d2_min_lq``) and at least 10-25 % of the main industry's employment
  (at most 35 %, unless the set needs more for 1.3 times the threshold); from profile 3 also units
  of the machinery industry serving its ISTAT group (where the group has one, and it is not the
  main industry itself) and of knowledge-intensive business services. Profile 1 gets none of them.
  A set the profile does not plant stays below the threshold: where chance put the background
  above Calibration.thin_max_lq (0.8 times it), background units of the set move out of the area;
* exports (Italy: share of turnover; Mexico: the share of exporting units) and turnover per
  employee rising with the profile: profile 1 under 10 % of turnover, profile 4 over 40 % (drawn
  by each country's module from the units' roles, ROLE_SCATTERED and ROLE_LINKAGE).

Scattered and division-of-labour units are micro and small background units relabelled (the
division of labour's also moved into the district's area), so the register keeps its number of
units and its calibrated sizes. The sets are the warehouse's (dbt_project/seeds: kibs_codes,
machinery_for_groups, istat_group_codes) and the LQs are solved on the register as drawn, in the
employment the warehouse will see (Mexico: the band estimates). The thresholds come from the rule
set through a Calibration (calibration.py).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from pipelines.generate.calibration import Calibration
from pipelines.generate.common import (
    BACKGROUND_CLASS_SHARES,
    MANUFACTURING_CLASS_SHARES,
    _district_unit_sizes,
    _expected_size,
    _read_seed,
    _sizes,
    _weighted_pick,
)
from pipelines.generate.typology import _typology_rng

PROFILE_NATIONAL_SHARE = {1: (0.55, 0.70), 2: (0.50, 0.65), 3: (0.45, 0.60), 4: (0.35, 0.42)}
LINKAGE_SETS = ("suppliers", "machinery", "kibs")
LINKAGE_MIN_PROFILE = (2, 3, 3)
LINKAGE_SUPPLIER_SHARE = (0.10, 0.25)  # supplier employment at least this share of the main industry's
LINKAGE_MIN_EMPLOYEES = 3.0  # machinery and KIBS: at least a unit, even where the industry is absent elsewhere
# Caps of each set's planted employment, against the main industry's (unless a set needs more to
# reach Calibration.linkage_min_lq).
LINKAGE_MAX_SHARE = (0.35, 0.05, 0.25)
MAX_PLAN_SHARE = 0.8  # above it, the linkage LQs are lowered instead
MAX_SCATTERED_SHARE = 0.5  # of the micro and small background units outside the districts' areas
MAX_LINKAGE_SHARE = 0.8  # of what remains of them, for the division of labour
ROLE_SCATTERED = 5  # unit roles: 0 background, 1-4 district unit of that profile, 5 scattered
ROLE_LINKAGE = (6, 7, 8)  # suppliers, machinery, KIBS


def _take(values: np.ndarray, targets) -> list[tuple[int, int]]:
    """Consecutive slices of `values`, one per target, each the shortest whose sum reaches its target
    (at least one value when the target is positive, none when it is not)."""
    cum = np.concatenate([[0.0], np.cumsum(values)])
    out, start = [], 0
    for target in np.asarray(targets, dtype=float).tolist():  # one per district and set
        end = start
        if target > 0 and start < values.size:
            end = min(max(int(np.searchsorted(cum, cum[start] + target, side="left")), start + 1), values.size)
        out.append((start, end))
        start = end
    return out


class _DivisionOfLabour:
    """One country's planted districts with their scattered national industry and division of labour:
    the plan (fixed over years) and the register's units of each year."""

    def __init__(
        self,
        seed: int,
        cal: Calibration,
        system: str,
        codes: list[str],
        prefix_len: int,
        weights: np.ndarray,
        manufacturing: np.ndarray,
        area_lma: np.ndarray,
        n_lma: int,
        background_area_weights: np.ndarray,
        district_area_weights: np.ndarray,
        district_lmas: np.ndarray,
        district_codes: list[str],
        profiles: np.ndarray,
        district_employees: np.ndarray,
        n_background: int,
        io_base: pl.DataFrame,
        observed=None,
    ) -> None:
        self.cal = cal
        self.codes = np.asarray(codes)
        self.n_codes = self.codes.size
        self.prefix_len = prefix_len
        self.prefix_values, self.prefix_of = np.unique([c[:prefix_len] for c in codes], return_inverse=True)
        self.weights = np.asarray(weights, dtype=float)
        self.manufacturing = np.asarray(manufacturing)
        self.area_lma, self.n_lma = area_lma, n_lma
        self.background_area_weights = np.asarray(background_area_weights, dtype=float)
        self.district_area_weights = np.asarray(district_area_weights, dtype=float)
        self.district_lmas = np.asarray(district_lmas)
        index = {c: i for i, c in enumerate(codes)}
        self.main = np.array([index[c] for c in district_codes], dtype=np.int64)
        self.is_main = np.isin(np.arange(self.n_codes), self.main)
        self.profiles = np.asarray(profiles)
        # Employment as the warehouse sees it (Mexico: DENUE's band estimates).
        self.observed = observed if observed is not None else (lambda size: size.astype(float))
        self.members = [np.flatnonzero(area_lma == lma) for lma in self.district_lmas]
        self.in_district_area = np.isin(area_lma, self.district_lmas)  # per municipality
        self.kibs = self._prefix_mask(_read_seed("kibs_codes.csv", system).get_column("code_prefix").to_list())
        self.machinery = [self._prefix_mask(p) for p in self._machinery_prefixes(system, district_codes)]
        n = self.main.size
        rng = _typology_rng(seed, 4)
        bounds = np.array([PROFILE_NATIONAL_SHARE[int(p)] for p in self.profiles])
        drawn_share = rng.uniform(bounds[:, 0], bounds[:, 1])
        lq = np.array(cal.linkage_lq)
        self.targets = rng.uniform(lq[:, 0], lq[:, 1], size=(n, len(LINKAGE_SETS)))
        self.supplier_share = rng.uniform(*LINKAGE_SUPPLIER_SHARE, size=n)
        self.planted = self.profiles[:, None] >= np.array(LINKAGE_MIN_PROFILE)[None, :]
        self.d0 = np.asarray(district_employees, dtype=float)
        self._plan(drawn_share, self.d0, n_background, io_base)

    # -- sets

    def _prefix_mask(self, prefixes: list[str]) -> np.ndarray:
        mask = np.zeros(self.n_codes, dtype=bool)
        for prefix in prefixes:
            mask |= np.char.startswith(self.codes, prefix)
        return mask

    @staticmethod
    def _machinery_prefixes(system: str, district_codes: list[str]) -> list[list[str]]:
        """The machinery industry serving each main industry's ISTAT group (longest group prefix)."""
        groups = _read_seed("istat_group_codes.csv", system).select("code_prefix", "group_code").rows()
        machinery = _read_seed("machinery_for_groups.csv", system)
        out = []
        for code in district_codes:
            matches = [(len(p), g) for p, g in groups if code.startswith(p)]
            group = max(matches)[1] if matches else None
            out.append(machinery.filter(pl.col("group_code") == group).get_column("code_prefix").to_list())
        return out

    def _suppliers(self, table: pl.DataFrame, column: str, d: int) -> dict[str, float]:
        """Supplier prefix -> coefficient for the district's main industry (own division excluded)."""
        user = str(self.codes[self.main[d]])[: self.prefix_len]
        rows = table.filter(
            (pl.col("user") == user)
            & (pl.col("supplier") != user)
            & (pl.col(column) >= self.cal.supplier_min_coefficient)
        )
        return dict(zip(rows.get_column("supplier").to_list(), rows.get_column(column).to_list(), strict=True))

    def _sets(self, d: int, suppliers: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """(masks, allocations), each (3, codes): the codes of each set as the warehouse measures it, and
        where planted units of the set go (zero rows where nothing can be planted)."""
        main = np.arange(self.n_codes) == self.main[d]
        coefficient = np.array([suppliers.get(p, 0.0) for p in self.prefix_values])[self.prefix_of]
        supplier_mask = coefficient > 0
        masks = np.stack([supplier_mask, self.machinery[d], self.kibs])
        weights = self.weights
        # Suppliers: classes of the supplier divisions (not KIBS, not the machinery industry, not the
        # main industry, present in the register), by coefficient and then the background's weights.
        plantable = supplier_mask & ~self.kibs & ~self.machinery[d] & ~main & (weights > 0)
        division_total = np.bincount(self.prefix_of, weights=weights * plantable, minlength=self.prefix_values.size)
        supplier = np.where(plantable, coefficient * weights / np.maximum(division_total[self.prefix_of], 1e-300), 0.0)
        machinery = (self.machinery[d] & ~main).astype(float)
        kibs = np.where(self.kibs, weights, 0.0)
        alloc = np.stack([supplier, machinery, kibs])
        total = alloc.sum(axis=1, keepdims=True)
        return masks, np.divide(alloc, total, out=np.zeros_like(alloc), where=total > 0)

    # -- the plan: national shares and linkage targets (fixed over years)

    def _plan(self, drawn_share: np.ndarray, d0: np.ndarray, n_background: int, io_base: pl.DataFrame) -> None:
        size = np.where(
            self.manufacturing,
            _expected_size(MANUFACTURING_CLASS_SHARES, self.cal.size_classes),
            _expected_size(BACKGROUND_CLASS_SHARES, self.cal.size_classes),
        )
        employment = self.weights / self.weights.sum() * size
        background = n_background * employment.sum()
        composition = employment / employment.sum()
        lma_weight = np.bincount(self.area_lma, weights=self.background_area_weights, minlength=self.n_lma)
        lma_weight /= lma_weight.sum()
        area_background = background * lma_weight[self.district_lmas]
        nation = background + d0.sum()
        share = drawn_share.copy()
        for d in range(self.main.size):
            masks, alloc = self._sets(d, self._suppliers(io_base, "base", d))
            active = self.planted[d] & (alloc.sum(axis=1) > 0)
            r = masks.astype(float) @ composition
            overlap = masks.astype(float) @ alloc.T
            for _ in range(20):
                # Expected area employment once the sets reach their LQs, and the share that keeps the
                # main industry's LQ (= share x nation / area) at the planned LQ (Calibration.plan_lq).
                args = (overlap, r, area_background[d] + d0[d], r * area_background[d], active)
                planted = _solve_district(args[0], self.targets[d], *args[1:], self._bounds(d, d0[d], args))
                need = self.cal.plan_lq * (area_background[d] + d0[d] + planted.sum()) / nation
                if (
                    need <= MAX_PLAN_SHARE
                    or not active.any()
                    or self.targets[d, active].max() <= self.cal.linkage_settled_lq
                ):
                    break
                self._lower(d)
            share[d] = min(max(share[d], need), 0.95)
        self.share = share

    def _bounds(self, d: int, main: float, args: tuple) -> np.ndarray:
        """(floor, cap) of each set's planted employment, for a main industry employing `main`: the cap
        is a share of it, or what the set needs to reach Calibration.linkage_min_lq (args: _solve_district's
        arguments but the LQs and bounds) where that is more."""
        floor = np.array([self.supplier_share[d] * main, LINKAGE_MIN_EMPLOYEES, LINKAGE_MIN_EMPLOYEES])
        free = np.column_stack([np.zeros(floor.size), np.full(floor.size, np.inf)])
        needed = _solve_district(args[0], np.minimum(self.targets[d], self.cal.linkage_min_lq), *args[1:], free)
        return np.column_stack([floor, np.maximum.reduce([floor, np.array(LINKAGE_MAX_SHARE) * main, needed])])

    def _lower(self, d: int) -> None:
        """Lower the district's linkage LQ targets towards the D2 presence threshold, and its supplier share
        (a dominant district keeps its main industry's LQ above the identification's)."""
        floor = self.cal.linkage_floor_lq
        self.targets[d] = floor + (self.targets[d] - floor) * 0.8
        self.supplier_share[d] *= 0.8

    # -- the register of one year

    def draw(
        self, rng: np.random.Generator, units: int, firms: np.ndarray, employees: np.ndarray, io_table: pl.DataFrame
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict]:
        """(municipality index, code index, employees, role) of every unit of the year, and a summary."""
        n_districts = self.main.size
        n_background = max(units - int(firms.sum()), units // 2)
        area = _weighted_pick(rng, self.background_area_weights, n_background)
        code = _weighted_pick(rng, self.weights, n_background)
        size = np.where(
            self.manufacturing[code],
            _sizes(rng, n_background, MANUFACTURING_CLASS_SHARES, self.cal.size_classes),
            _sizes(rng, n_background, BACKGROUND_CLASS_SHARES, self.cal.size_classes),
        )
        parts = [(area, code, size, np.zeros(n_background, dtype=np.int64))]
        district_employees = np.zeros(n_districts, dtype=np.int64)
        for d in range(n_districts):
            members = self.members[d]
            d_area = members[_weighted_pick(rng, self.district_area_weights[members], int(firms[d]))]
            d_size = _district_unit_sizes(rng, int(firms[d]), int(employees[d]), self.cal.size_classes)
            district_employees[d] = d_size.sum()
            parts.append((d_area, np.full(d_area.size, self.main[d]), d_size, np.full(d_area.size, self.profiles[d])))
        area, code, size, role = (np.concatenate(p) for p in zip(*parts, strict=True))
        observed = self.observed(size)

        # The rest of each main industry, outside the district's area: its background units, topped up
        # with scattered units (micro and small background units of other industries outside the
        # districts' areas, relabelled: larger ones would make new districts of a few units) or
        # thinned (relabelled to other industries), so that the district holds its planned share of
        # the base year's employment.
        regular = np.flatnonzero(role == 0)
        district_observed = np.bincount(
            np.repeat(np.arange(n_districts), firms), weights=observed[n_background:], minlength=n_districts
        )
        base = self.d0 * district_observed / np.maximum(district_employees, 1)
        classes, class_of = np.unique(self.main, return_inverse=True)
        wanted = np.bincount(class_of, weights=base * (1 / self.share - 1), minlength=classes.size)
        lma = self.area_lma[area]
        national = np.bincount(code[regular], weights=observed[regular], minlength=self.n_codes)
        own = np.bincount(
            lma[regular] * self.n_codes + code[regular], weights=observed[regular], minlength=self.n_lma * self.n_codes
        ).reshape(self.n_lma, self.n_codes)[self.district_lmas, self.main]
        gap = wanted - (national[classes] - np.bincount(class_of, weights=own, minlength=classes.size))
        by_code = regular[np.argsort(code[regular], kind="stable")]
        bounds = np.searchsorted(code[by_code], np.stack([classes, classes + 1]))
        other_weights = self.weights * ~self.is_main
        for k in np.flatnonzero(gap < 0):
            # The smallest units first (in random order among equals); what a last large unit takes
            # too much comes back as scattered units.
            candidates = by_code[bounds[0, k] : bounds[1, k]]
            candidates = candidates[~np.isin(lma[candidates], self.district_lmas[class_of == k])]
            candidates = candidates[rng.permutation(candidates.size)]
            candidates = candidates[np.argsort(size[candidates], kind="stable")]
            ((_, end),) = _take(observed[candidates], [-gap[k]])
            code[candidates[:end]] = _weighted_pick(rng, other_weights, end)
            gap[k] += observed[candidates[:end]].sum()
        eligible = np.flatnonzero(
            (role == 0) & ~self.in_district_area[area] & (size <= self.cal.small_unit_max) & ~self.is_main[code]
        )
        order = eligible[rng.permutation(eligible.size)]
        scattered = np.maximum(gap, 0.0)
        scattered *= min(1.0, MAX_SCATTERED_SHARE * observed[order].sum() / max(scattered.sum(), 1.0))
        slices = _take(observed[order], scattered)
        for k, (a, b) in enumerate(slices):
            code[order[a:b]] = classes[k]
            role[order[a:b]] = ROLE_SCATTERED
        pool = order[slices[-1][1] :] if slices else order

        # The division of labour: employment of each set solved on the register as drawn, then micro
        # and small background units moved into the district's area under the set's codes.
        cells = np.bincount(
            self.area_lma[area] * self.n_codes + code, weights=observed, minlength=self.n_lma * self.n_codes
        ).reshape(self.n_lma, self.n_codes)
        planted, masks, alloc = self._solve(cells, io_table)
        requests = [(d, s) for d in range(n_districts) for s in range(len(LINKAGE_SETS)) if planted[d, s] > 0]
        wanted = np.array([planted[d, s] for d, s in requests])
        wanted *= min(1.0, MAX_LINKAGE_SHARE * observed[pool].sum() / max(wanted.sum(), 1.0))
        linkage = np.zeros((n_districts, len(LINKAGE_SETS), 2), dtype=np.int64)  # units, employees
        for (d, s), (a, b) in zip(requests, _take(observed[pool], wanted), strict=True):
            idx = pool[a:b]
            members = self.members[d]
            area[idx] = members[_weighted_pick(rng, self.district_area_weights[members], idx.size)]
            code[idx] = rng.choice(self.n_codes, size=idx.size, p=alloc[d, s])
            role[idx] = ROLE_LINKAGE[s]
            linkage[d, s] = idx.size, size[idx].sum()
        self._thin(rng, area, code, role, observed, masks)
        return area, code, size, role, {"district_employees": district_employees, "linkage": linkage}

    def _thin(
        self,
        rng: np.random.Generator,
        area: np.ndarray,
        code: np.ndarray,
        role: np.ndarray,
        observed: np.ndarray,
        masks: np.ndarray,
    ) -> None:
        """A set the profile does not plant stays below 1 in the district's area: where the background
        puts it above Calibration.thin_max_lq, background units of the set move out to areas without a
        district."""
        lma = self.area_lma[area]
        cells = np.bincount(lma * self.n_codes + code, weights=observed, minlength=self.n_lma * self.n_codes)
        cells = cells.reshape(self.n_lma, self.n_codes)
        national = cells.sum(axis=0)
        nation = national.sum()
        outside = self.background_area_weights * ~self.in_district_area
        for d in range(self.main.size):
            row = cells[self.district_lmas[d]]
            total = row.sum()
            movable = masks[d].astype(bool) & (np.arange(self.n_codes) != self.main[d])
            for s in np.flatnonzero(~self.planted[d] & movable.any(axis=1)):
                bound = self.cal.thin_max_lq * (masks[d, s] @ national) / nation
                excess = (movable[s] @ row - bound * total) / (1 - bound)
                if excess <= 0:
                    continue
                candidates = np.flatnonzero((lma == self.district_lmas[d]) & (role == 0) & movable[s][code])
                candidates = candidates[rng.permutation(candidates.size)]
                ((a, b),) = _take(observed[candidates], [excess])
                idx = candidates[a:b]
                area[idx] = _weighted_pick(rng, outside, idx.size)
                np.subtract.at(row, code[idx], observed[idx])
                total = row.sum()

    def _solve(self, cells: np.ndarray, io_table: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Employment to plant in each district's area for each set (districts x 3) so that the set's LQ
        reaches its target (suppliers: at least their share of the main industry), with the sets'
        masks and allocations (districts x 3 x codes)."""
        n = self.main.size
        national = cells.sum(axis=0)
        nation = national.sum()
        rows = cells[self.district_lmas]
        area_total = rows.sum(axis=1)
        masks = np.zeros((n, len(LINKAGE_SETS), self.n_codes))
        alloc = np.zeros_like(masks)
        for d in range(n):
            masks[d], alloc[d] = self._sets(d, self._suppliers(io_table, "coefficient", d))
        active = self.planted & (alloc.sum(axis=2) > 0)
        local = np.einsum("dc,dsc->ds", rows, masks)
        overlap = np.einsum("dsc,dtc->dst", masks, alloc)  # share of set t's planting that counts in set s
        main_local = rows[np.arange(n), self.main]
        planted = np.zeros((n, len(LINKAGE_SETS)))
        plan = self.targets.copy(), self.supplier_share.copy()  # what _lower changes holds for this year only
        for _ in range(30):
            # National employment once the planted units have moved (they leave the background pro rata).
            nat = national * (1 - planted.sum() / nation) + np.einsum("ds,dsc->c", planted, alloc)
            ratio = np.einsum("dsc,c->ds", masks, nat) / nation
            for d in np.flatnonzero(active.any(axis=1)):
                args = (overlap[d], ratio[d], area_total[d], local[d], active[d])
                planted[d] = _solve_district(args[0], self.targets[d], *args[1:], self._bounds(d, main_local[d], args))
                main_lq = main_local[d] / (area_total[d] + planted[d].sum()) / (nat[self.main[d]] / nation)
                if main_lq < self.cal.min_lq and self.targets[d, active[d]].max() > self.cal.linkage_settled_lq:
                    self._lower(d)
        self.targets, self.supplier_share = plan
        return planted, masks, alloc


def _solve_district(
    overlap: np.ndarray,
    lq: np.ndarray,
    ratio: np.ndarray,
    area_total: float,
    local: np.ndarray,
    active: np.ndarray,
    bounds: np.ndarray,
) -> np.ndarray:
    """Employment P_s to plant for each active set s so that (local_s + sum_t overlap_st P_t) /
    (area_total + sum_t P_t) = lq_s x ratio_s, within bounds (sets x 2: floor, cap). A set already
    above its target gets its floor; one that would need more than its cap gets its cap."""
    planted = np.zeros(lq.size)
    fixed = ~active
    for _ in range(lq.size + 1):
        free = np.flatnonzero(~fixed)
        if free.size == 0:
            break
        held = np.flatnonzero(fixed)
        lr = lq[free] * ratio[free]
        matrix = overlap[np.ix_(free, free)] - lr[:, None]
        rhs = lr * (area_total + planted[held].sum()) - local[free] - overlap[np.ix_(free, held)] @ planted[held]
        planted[free] = np.linalg.solve(matrix, rhs)
        outside = free[(planted[free] < bounds[free, 0]) | (planted[free] > bounds[free, 1])]
        if outside.size == 0:
            break
        planted[outside] = np.clip(planted[outside], bounds[outside, 0], bounds[outside, 1])
        fixed[outside] = True
    return np.where(active, planted, 0.0)


def _district_records(
    lma_codes, district_lmas, district_codes, firms, plan: _DivisionOfLabour, summary, placement=None
) -> list[dict]:
    """GENERATED.json's planted districts: the area (Italy: with the SLL's name, its ISTAT group and
    whether the group matches the industry), the first year's counts, the profile and what it planted."""
    return [
        {
            "lma_code": lma_codes[district_lmas[d]],
            **(placement[d] if placement else {}),
            "industry_code": district_codes[d],
            "firms": int(firms[d]),
            "employees": int(summary["district_employees"][d]),
            "capability_profile": int(plan.profiles[d]),
            "national_share_target": round(float(plan.share[d]), 3),
            "division_of_labour": {
                name: {"units": int(summary["linkage"][d, s, 0]), "employees": int(summary["linkage"][d, s, 1])}
                for s, name in enumerate(LINKAGE_SETS)
            },
        }
        for d in range(len(district_codes))
    ]
