"""The typology's inputs (D2, D4, D6, D7): input-output coefficients, innovation counts, workforce
skills and wages, and institutions.

Every draw here comes from generators of their own (stream TYPOLOGY_STREAM), never from the
register's. The register reads the input-output table (the districts' suppliers are planted from
it: see division_of_labour.py), so changing the table changes the register.

Planted districts get a capability profile 1-4 (low to high) that scales their innovation
intensity, their skilled share (and wages) and the institutions they have; the profile is
recorded in GENERATED.json so that the typology can be checked against what was planted. Each
country's layout, input-output links, rates and shares are in its own module (italy.py, mexico.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.generate.common import GenerationReport, _write

TYPOLOGY_STREAM = 7
# The district's departure from the national industry, which also contains the scattered units of
# the same industry outside the districts (see PROFILE_NATIONAL_SHARE): against its own industry a
# district holding a share s of it shows k / (s k + 1 - s) for a factor k, so the factors are wide
# enough for the levels of D4 (0.5, 1, 2) and D6 (0.75, 1, 1.25) to follow the profile.
PROFILE_INNOVATION = {1: 0.2, 2: 0.8, 3: 1.5, 4: 5.0}  # x the national manufacturing rate
PROFILE_SKILLS = {1: 0.45, 2: 0.9, 3: 1.2, 4: 1.8}  # x the national manufacturing skilled share
PROFILE_WAGES = {1: 0.97, 2: 0.99, 3: 1.02, 4: 1.05}  # wage premium on top of the skill mix
PROFILE_INSTITUTIONS = {
    1: (),
    2: ("association",),
    3: ("association", "service_centre"),
    4: ("association", "service_centre", "cluster_organisation"),  # every other one also a network
}
# Technical coefficients a_jm: each user has 3-8 suppliers (its own division among them), within
# this range, with total intermediate inputs of at most IO_MAX_INPUT_SHARE of output.
IO_RANGE = (0.005, 0.25)
IO_SUPPLIERS = (3, 8)
IO_MAX_INPUT_SHARE = 0.75


def _typology_rng(seed: int, *stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, TYPOLOGY_STREAM, *stream])


def capability_profiles(seed: int, n_districts: int) -> np.ndarray:
    """Profile 1-4 of each planted district: a seeded permutation taken modulo 4, so that
    every level occurs when there are at least four districts."""
    return _typology_rng(seed, 1).permutation(n_districts) % 4 + 1


@dataclass(frozen=True)
class _Layout:
    """File names and column names of one country's typology inputs."""

    folder: str
    separator: str
    encoding: str
    area: str
    code: str
    io: tuple[str, str, str, str]  # file pattern, supplier, user, coefficient
    innovation: tuple[str, str, str, str]  # file pattern, patents, trademarks, designs
    workforce: tuple[str, str, str, str | None]  # file pattern, workers, skilled, wage bill
    institutions: tuple[str, str, str, str, str]  # file pattern, id, name, kind, labelled
    kind_labels: dict[str, str]
    labelled_labels: tuple[str, str]  # (true, false)
    names: dict[str, str]  # kind -> name template with {code} and {lma}
    id_prefix: str


def _io_structure(
    seed: int, users: list[str], suppliers: list[str], links: dict, services: tuple[str, ...]
) -> pl.DataFrame:
    """Base technical coefficients (supplier, user, coefficient), stable across years."""
    rng = _typology_rng(seed, 3)
    known = set(suppliers)
    lo, hi = IO_RANGE
    rows_s, rows_u, values = [], [], []
    for user in users:  # a few dozen divisions
        linked = [user] + [s for s in links.get(user, ()) if s in known and s != user]
        linked = linked[: IO_SUPPLIERS[1]]
        k = max(len(linked), int(rng.integers(IO_SUPPLIERS[0], IO_SUPPLIERS[1] + 1)))
        others = [s for s in suppliers if s not in linked]
        weights = np.array([4.0 if s in services else 1.0 for s in others])
        extra = np.sort(rng.choice(len(others), size=k - len(linked), replace=False, p=weights / weights.sum()))
        chosen = linked + [others[i] for i in extra]
        v = np.concatenate(
            [
                rng.uniform(0.08, hi, size=1),  # own division
                rng.uniform(0.03, 0.18, size=len(linked) - 1),  # the real links
                np.exp(rng.uniform(np.log(lo), np.log(0.08), size=extra.size)),  # everything else
            ]
        )
        v = np.clip(v * min(1.0, IO_MAX_INPUT_SHARE / v.sum()), lo, hi)
        rows_s += chosen
        rows_u += [user] * len(chosen)
        values.append(v)
    return pl.DataFrame({"supplier": rows_s, "user": rows_u, "base": np.concatenate(values)})


class _TypologyInputs:
    """One country's structure for the typology inputs (fixed over years) and its yearly writer."""

    def __init__(
        self,
        layout: _Layout,
        seed: int,
        industry_codes: list[str],
        sector_of,
        manufacturing_sector: str,
        skilled_shares: dict[str, float],
        innovation_rates: tuple[float, float, float],
        io_tables: pl.DataFrame,
        prefix_len: int,
        area_codes: list[str],
        pop: np.ndarray,
        area_lma: np.ndarray,
        lma_codes: list[str],
        district_lmas: np.ndarray,
        district_codes: list[str],
        profiles: np.ndarray,
        wages: dict[str, float] | None = None,
    ) -> None:
        self.layout, self.seed = layout, seed
        self.area_codes = np.asarray(area_codes)
        self.area_lma = area_lma
        self.district_lmas = np.asarray(district_lmas)
        self.district_codes = list(district_codes)
        self.profiles = np.asarray(profiles)
        self.rates = np.asarray(innovation_rates, dtype=float)
        self.wages = wages
        self.io = io_tables
        # Per industry code (sorted): manufacturing flag and the sector's skilled share. One national
        # rate and one skilled share for all of manufacturing, so that a district's departure from
        # them is its profile, not its industry.
        self.codes = np.array(sorted(set(industry_codes)))
        sectors = [sector_of(c) for c in self.codes]
        self.is_manufacturing = np.array([s == manufacturing_sector for s in sectors])
        self.skilled_share = np.array([skilled_shares.get(s, 0.2) for s in sectors])
        self.institutions = self._institutions(prefix_len, pop, lma_codes)

    # -- institutions (fixed over years)

    def _institutions(self, prefix_len: int, pop: np.ndarray, lma_codes: list[str]) -> pl.DataFrame:
        rng = _typology_rng(self.seed, 2)
        # Seat of an area's institutions: its most populous municipality.
        order = np.lexsort((-pop, self.area_lma))
        first = np.unique(self.area_lma[order], return_index=True)[1]
        seat = dict(zip(self.area_lma[order][first].tolist(), order[first].tolist(), strict=True))
        rows: list[tuple[int, str, str, bool]] = []  # (area index, kind, industry code, labelled)
        networks = 0
        for d, profile in enumerate(self.profiles.tolist()):
            area = seat[int(self.district_lmas[d])]
            code = self.district_codes[d]
            for kind in PROFILE_INSTITUTIONS[profile]:
                served = code[:prefix_len] if kind == "association" else code
                rows.append((area, kind, served, kind == "cluster_organisation"))
            if profile == 4:  # the first, third, ... also belong to an international network
                if networks % 2 == 0:
                    rows.append((area, "international_network", code, False))
                networks += 1
        # A few background associations in areas without a planted district.
        free = np.setdiff1d(np.arange(len(lma_codes)), self.district_lmas)
        n_background = min(free.size, max(4, len(lma_codes) // 40))
        manufacturing_prefixes = sorted({c[:prefix_len] for c in self.codes[self.is_manufacturing]})
        for lma in np.sort(rng.choice(free, size=n_background, replace=False)).tolist():
            served = manufacturing_prefixes[int(rng.integers(len(manufacturing_prefixes)))]
            rows.append((seat[lma], "association", served, False))
        lay = self.layout
        return pl.DataFrame(
            {
                lay.area: [str(self.area_codes[a]) for a, *_ in rows],
                lay.institutions[1]: [f"{lay.id_prefix}{i + 1:05d}" for i in range(len(rows))],
                lay.institutions[2]: [
                    lay.names[k].format(code=c, lma=lma_codes[self.area_lma[a]]) for a, k, c, _ in rows
                ],
                lay.institutions[3]: [lay.kind_labels[k] for _, k, _, _ in rows],
                lay.institutions[4]: [lay.labelled_labels[0 if flag else 1] for *_, flag in rows],
                lay.code: [c for _, _, c, _ in rows],
            }
        )

    # -- yearly files

    def io_table(self, year: int) -> pl.DataFrame:
        """The year's technical coefficients (supplier, user, coefficient) as written: the fixed
        structure with a small yearly drift, rounded to four decimals. The register's planted
        suppliers are read from the same table (see _DivisionOfLabour)."""
        rng = np.random.default_rng([self.seed, year, TYPOLOGY_STREAM, 1])
        drift = np.exp(rng.normal(0.0, 0.04, size=self.io.height))
        coefficient = np.round(np.clip(self.io.get_column("base").to_numpy() * drift, *IO_RANGE), 4)
        return pl.DataFrame(
            {"supplier": self.io.get_column("supplier"), "user": self.io.get_column("user"), "coefficient": coefficient}
        )

    def write(
        self, year: int, area_idx: np.ndarray, code: np.ndarray, size: np.ndarray, out: Path, report: GenerationReport
    ) -> None:
        lay = self.layout
        rng = np.random.default_rng([self.seed, year, TYPOLOGY_STREAM])
        folder = out / lay.folder

        def path(pattern: str) -> Path:
            return folder / pattern.format(year=year)

        # Input-output coefficients: the fixed structure with a small yearly drift.
        table = self.io_table(year)
        io = pl.DataFrame(
            {
                lay.io[1]: table.get_column("supplier"),
                lay.io[2]: table.get_column("user"),
                lay.io[3]: [f"{v:.4f}" for v in table.get_column("coefficient").to_list()],
            }
        ).sort(lay.io[2], lay.io[1])
        _write(io, path(lay.io[0]), lay.separator, report, lay.encoding)

        # Cells: municipality x industry code with the register's employees.
        cells = (
            pl.DataFrame({"area": area_idx, "code": code.astype(str), "workers": size})
            .group_by("area", "code")
            .agg(pl.col("workers").sum())
            .sort("area", "code")
        )
        c_area = cells.get_column("area").to_numpy()
        c_code = cells.get_column("code").to_numpy().astype(str)
        workers = cells.get_column("workers").to_numpy()
        k = np.searchsorted(self.codes, c_code)
        profile = np.zeros(cells.height, dtype=np.int64)  # 0: not a planted district's cell
        c_lma = self.area_lma[c_area]
        for d in range(self.district_lmas.size):  # districts, not units
            profile[(c_lma == self.district_lmas[d]) & (c_code == self.district_codes[d])] = self.profiles[d]
        area_out = self.area_codes[c_area]

        # Innovation: Poisson around the national rate per 1,000 employees, scaled in districts.
        manuf = self.is_manufacturing[k]
        boost = np.array([1.0] + [PROFILE_INNOVATION[p] for p in (1, 2, 3, 4)])[profile]
        lam = (workers / 1000.0 * boost)[:, None] * self.rates[None, :]
        counts = rng.poisson(lam[manuf])
        keep = counts.sum(axis=1) > 0
        innovation = pl.DataFrame(
            {
                lay.area: area_out[manuf][keep],
                lay.code: c_code[manuf][keep],
                lay.innovation[1]: counts[keep, 0],
                lay.innovation[2]: counts[keep, 1],
                lay.innovation[3]: counts[keep, 2],
            }
        )
        _write(innovation, path(lay.innovation[0]), lay.separator, report, lay.encoding)

        # Workforce: every cell; skilled workers binomial, the wage bill from the skill mix.
        skills = np.array([1.0] + [PROFILE_SKILLS[p] for p in (1, 2, 3, 4)])[profile]
        share = np.clip(self.skilled_share[k] * skills, 0.01, 0.95)
        skilled = rng.binomial(workers, share)
        workforce = {
            lay.area: area_out,
            lay.code: c_code,
            lay.workforce[1]: workers,
            lay.workforce[2]: skilled,
        }
        if self.wages is not None and lay.workforce[3] is not None:
            premium = np.array([1.0] + [PROFILE_WAGES[p] for p in (1, 2, 3, 4)])[profile]
            noise = rng.lognormal(0.0, 0.08, size=cells.height)
            wage_bill = (skilled * self.wages["skilled"] + (workers - skilled) * self.wages["other"]) * premium * noise
            workforce[lay.workforce[3]] = np.round(wage_bill).astype(np.int64)
        _write(pl.DataFrame(workforce), path(lay.workforce[0]), lay.separator, report, lay.encoding)

        # Institutions: the same list every year.
        _write(self.institutions, path(lay.institutions[0]), lay.separator, report, lay.encoding)
