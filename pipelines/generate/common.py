"""Shared machinery of the synthetic registers: unit sizes, the planted districts' sizes and their
years, weighted picks, the warehouse's seeds, writing files and the report."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from pipelines.paths import DBT_PROJECT_DIR

if TYPE_CHECKING:
    from pipelines.generate.calibration import Calibration

SEEDS_DIR = DBT_PROJECT_DIR / "seeds"  # the warehouse's sets of codes, read as the warehouse reads them

# Size classes of local units: their bounds are the rule set's (Calibration.size_classes: micro 1-9,
# small 10-49, medium 50-249 by default), the large class ends at LARGEST_UNIT_EMPLOYEES; a power law
# with the class's exponent inside each class.
LARGEST_UNIT_EMPLOYEES = 3000
# Share of units by size class. About 95 % of Italian and Mexican local units are micro
# units; the remaining split is our calibration [O] to the published mean size.
BACKGROUND_CLASS_SHARES = (0.962, 0.033, 0.0045, 0.0005)
MANUFACTURING_CLASS_SHARES = (0.86, 0.12, 0.018, 0.002)
CLASS_EXPONENTS = (2.4, 2.0, 2.0, 2.0)
DISTRICT_CLASS_SHARES = (0.62, 0.30, 0.07, 0.01)

# Planted districts: their sizes follow the deck's size facts of the rule set (Calibration).
UNITS_PER_DISTRICT = 30_000  # one planted district per this many units (at least MIN_DISTRICTS)
MIN_DISTRICTS, MAX_DISTRICTS = 6, 150


@dataclass
class GenerationReport:
    country: str
    years: list[int]
    units: dict[int, int]
    employees: dict[int, int]
    districts: list[dict]
    files: list[dict] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, default=str)


def _sizes(rng: np.random.Generator, n: int, class_shares, size_classes) -> np.ndarray:
    """Employees per unit: a size class (bounds: Calibration.size_classes), then a power law inside it."""
    classes = rng.choice(len(size_classes), size=n, p=np.asarray(class_shares) / sum(class_shares))
    out = np.empty(n, dtype=np.int64)
    for c, ((lo, hi), exponent) in enumerate(zip(size_classes, CLASS_EXPONENTS, strict=True)):
        idx = np.flatnonzero(classes == c)
        if idx.size == 0:
            continue
        k = np.arange(lo, hi + 1)
        w = k.astype(float) ** (-exponent)
        out[idx] = rng.choice(k, size=idx.size, p=w / w.sum())
    return out


def _expected_size(class_shares, size_classes) -> float:
    """Mean employees per unit of _sizes with these class shares (the first size classes when shorter)."""
    shares = np.asarray(class_shares, dtype=float) / sum(class_shares)
    mean = 0.0
    n = shares.size
    for share, (lo, hi), exponent in zip(shares, size_classes[:n], CLASS_EXPONENTS[:n], strict=True):
        k = np.arange(lo, hi + 1, dtype=float)
        w = k**-exponent
        mean += share * float((k * w).sum() / w.sum())
    return mean


def _district_sizes(rng: np.random.Generator, n: int, cal: Calibration) -> tuple[np.ndarray, np.ndarray]:
    """(firms, employees) of planted districts, correlated, following the deck's facts (log-normal with
    the rule set's medians and the spreads that put 30 % above its upper facts)."""
    z = rng.standard_normal(n)
    z2 = 0.9 * z + np.sqrt(1 - 0.9**2) * rng.standard_normal(n)
    firms = np.clip(np.round(cal.firms_median * np.exp(cal.firms_sigma * z)), *cal.firms_range)
    employees = np.clip(cal.employees_median * np.exp(cal.employees_sigma * z2), *cal.employees_range)
    mean_size = np.clip(employees / firms, 4, 120)
    return firms.astype(np.int64), np.round(firms * mean_size).astype(np.int64)


def _district_unit_sizes(rng: np.random.Generator, firms: int, employees: int, size_classes) -> np.ndarray:
    """Unit sizes of one district that add up to about its employee total."""
    sizes = _sizes(rng, firms, DISTRICT_CLASS_SHARES, size_classes).astype(float)
    scaled = np.maximum(1, np.round(sizes * employees / sizes.sum()))
    return scaled.astype(np.int64)


def _district_count(units: int) -> int:
    """Planted districts of a register of this many units."""
    return int(np.clip(round(units / UNITS_PER_DISTRICT), MIN_DISTRICTS, MAX_DISTRICTS))


def _district_year(
    firms: np.ndarray, employees: np.ndarray, t: int, min_firms: float
) -> tuple[np.ndarray, np.ndarray]:
    """(firms, employees) of the planted districts in the t-th year of the register: they grow, mature
    or decline over the years (life-cycle material), from -6 % to +8 % per year of the register by rank
    of size, keeping at least ``min_firms`` (the identification's minimum of units)."""
    trend = np.linspace(-0.06, 0.08, firms.size)[np.argsort(np.argsort(firms))] * t
    firms_t = np.maximum(min_firms, np.round(firms * (1 + trend))).astype(np.int64)
    employees_t = np.maximum(firms_t * 3, np.round(employees * (1 + trend))).astype(np.int64)
    return firms_t, employees_t


def _weighted_pick(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    return rng.choice(weights.size, size=n, p=weights / weights.sum())


def _sector_weights(rng: np.random.Generator, codes: list[str], sector_of, sector_shares: dict[str, float]):
    """A weight per industry code: the sector's share split unevenly among its codes."""
    sectors = [sector_of(c) for c in codes]
    weights = np.zeros(len(codes))
    for sector, share in sector_shares.items():
        idx = [i for i, s in enumerate(sectors) if s == sector]
        if idx:
            weights[idx] = share * rng.dirichlet(np.full(len(idx), 0.7))
    return weights


def _read_seed(name: str, system: str) -> pl.DataFrame:
    return pl.read_csv(SEEDS_DIR / name, infer_schema=False).filter(pl.col("industry_system") == system)


def _write(frame: pl.DataFrame, path: Path, separator: str, report: GenerationReport, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if encoding.lower().replace("-", "") in ("utf8",):
        frame.write_csv(path, separator=separator)
    else:
        text = frame.write_csv(separator=separator)
        path.write_bytes(text.encode(encoding))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    report.files.append({"path": str(path), "rows": frame.height, "sha256": digest})
