"""What the generator reads from the rule set: the thresholds it plants against, and its own margins.

``generate`` reads the rule set once (``rules=``, by default ``pipelines.rules.load_rule_set()``) into a
:class:`Calibration` that is passed down to the country modules, the unit-size draws and the division
of labour, so that a rule moved in the rule-set file moves what is planted. Where the generator
deliberately plants above (or below) a threshold, the margin is the generator's own and is named
here. With the default rule set every value is the one the generator used before it read the rule
set, to the last bit: the same arguments still write the same bytes.

Rule parameters read, and what they set:

* ``unit_micro_max_employees``, ``unit_small_max_employees``, ``unit_medium_max_employees``: the size
  classes of the unit-size draws (micro, small, medium, and large up to LARGEST_UNIT_EMPLOYEES), and
  the largest unit relabelled as a scattered or division-of-labour unit (a small one);
* ``size_many_firms``, ``size_few_employees``: the median firms and employees of the planted
  districts (the deck's facts: half of the districts above 200 firms, half under 5,000 employees);
* ``size_very_many_firms``, ``size_many_employees``: with the medians, the spread of the log-normal
  district-size draws, so that DECK_SHARE_ABOVE of the districts are above them (the deck: 30 % over
  600 firms, 30 % over 20,000 employees), kept to steps of 1 / SPREAD_STEPS;
* ``district_min_establishments``, ``district_min_employees``: the smallest planted district
  (x DISTRICT_FIRMS_MARGIN firms, x DISTRICT_EMPLOYEES_MARGIN employees) and the floor of a
  district's firms in later years (the identification's minimum itself);
* ``district_min_lq``: the main industry's LQ that a district's planned national share aims at
  (x PLAN_LQ_MARGIN) and the floor its LQ keeps while its division of labour is planted
  (x MIN_LQ_MARGIN), so that a planted district stays a district;
* ``typology_d2_supplier_min_coefficient``: the input-output suppliers planted as a district's
  division of labour;
* ``typology_d2_min_lq`` (D2: a set is present at this LQ): the LQs each planted set is drawn in
  (x LINKAGE_LQ_FACTORS), the LQ a set may exceed its employment cap to reach (x LINKAGE_MIN_LQ_MARGIN),
  the LQ a set the profile does not plant stays under (x THIN_MARGIN), and the level towards which a
  dominant district's linkage targets are lowered (stopping within LINKAGE_SETTLED_MARGIN of it).

The generator's own calibration stays with the module it belongs to (population and sector
shares, class shares and exponents, capability-profile factors, national shares of 35-70 %, which
are far above ``district_min_national_share``). The partner-matching thresholds (``match_*``) and
the typology's level thresholds (D1, D3-D7) are not planted against: the profiles' factors are set
so that the levels follow the profile.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from pipelines.generate.common import LARGEST_UNIT_EMPLOYEES
from pipelines.rules import RuleSet

# The deck's share of districts over the upper size facts (600 firms, 20,000 employees); the lower
# facts (200 firms, 5,000 employees) split the districts in halves, so they are the medians.
DECK_SHARE_ABOVE = 0.3
SPREAD_STEPS = 20  # spreads of the size draws are kept to steps of 0.05 (2.1 and 2.65 for the deck's facts)
DISTRICT_FIRMS_MARGIN = 2.5  # a planted district has at least 2.5 x the identification's minimum of units
DISTRICT_EMPLOYEES_MARGIN = 1.2  # ... and at least 1.2 x its minimum of employees in the main industry
DISTRICT_FIRMS_MAX = 5000  # the largest districts' units ...
DISTRICT_EMPLOYEES_MAX = 60_000  # ... and main-industry employment
PLAN_LQ_MARGIN = 1.25  # the planned national share aims at 1.25 x district_min_lq (2.5 by default)
MIN_LQ_MARGIN = 1.1  # the LQ floor kept every year while planting the linkages (2.2 by default)
# LQs drawn for each planted set (suppliers, machinery, KIBS) in the district's area, as multiples of
# the D2 presence threshold.
LINKAGE_LQ_FACTORS = ((1.4, 2.0), (1.5, 3.0), (1.2, 1.6))
LINKAGE_MIN_LQ_MARGIN = 1.3  # a set may exceed its employment cap to reach 1.3 x the threshold
THIN_MARGIN = 0.8  # a set the profile does not plant stays at most at 0.8 x the threshold
LINKAGE_SETTLED_MARGIN = 1.05  # lowered linkage targets stop within 5 % of the threshold


@dataclass(frozen=True)
class Calibration:
    """The values the generator plants against, from one rule set (see the module's docstring)."""

    size_classes: tuple[tuple[int, int], ...]  # (lower, upper) employees of micro, small, medium, large
    small_unit_max: int  # scattered and division-of-labour units are micro and small units
    firms_median: float
    firms_sigma: float
    firms_range: tuple[float, float]
    employees_median: float
    employees_sigma: float
    employees_range: tuple[float, float]
    district_min_firms: float  # a district's firms in later years
    plan_lq: float
    min_lq: float
    supplier_min_coefficient: float
    linkage_lq: tuple[tuple[float, float], ...]
    linkage_min_lq: float
    thin_max_lq: float
    linkage_floor_lq: float  # lowered linkage targets approach it ...
    linkage_settled_lq: float  # ... and are not lowered once at or under this

    @classmethod
    def from_rules(cls, rules: RuleSet) -> Calibration:
        micro, small, medium = (
            _employees(rules, p)
            for p in ("unit_micro_max_employees", "unit_small_max_employees", "unit_medium_max_employees")
        )
        if not 1 <= micro < small < medium < LARGEST_UNIT_EMPLOYEES:
            raise ValueError(
                f"rule set {rules.name}: the unit size bounds must rise, 1 <= unit_micro_max_employees ({micro}) "
                f"< unit_small_max_employees ({small}) < unit_medium_max_employees ({medium}) "
                f"< {LARGEST_UNIT_EMPLOYEES}"
            )
        presence = rules["typology_d2_min_lq"]
        identification = rules["district_min_lq"]
        return cls(
            size_classes=((1, micro), (micro + 1, small), (small + 1, medium), (medium + 1, LARGEST_UNIT_EMPLOYEES)),
            small_unit_max=small,
            firms_median=rules["size_many_firms"],
            firms_sigma=_spread(rules, "size_many_firms", "size_very_many_firms"),
            firms_range=(rules["district_min_establishments"] * DISTRICT_FIRMS_MARGIN, DISTRICT_FIRMS_MAX),
            employees_median=rules["size_few_employees"],
            employees_sigma=_spread(rules, "size_few_employees", "size_many_employees"),
            employees_range=(rules["district_min_employees"] * DISTRICT_EMPLOYEES_MARGIN, DISTRICT_EMPLOYEES_MAX),
            district_min_firms=rules["district_min_establishments"],
            plan_lq=identification * PLAN_LQ_MARGIN,
            min_lq=identification * MIN_LQ_MARGIN,
            supplier_min_coefficient=rules["typology_d2_supplier_min_coefficient"],
            linkage_lq=tuple((presence * lo, presence * hi) for lo, hi in LINKAGE_LQ_FACTORS),
            linkage_min_lq=presence * LINKAGE_MIN_LQ_MARGIN,
            thin_max_lq=presence * THIN_MARGIN,
            linkage_floor_lq=presence,
            linkage_settled_lq=presence * LINKAGE_SETTLED_MARGIN,
        )


def _employees(rules: RuleSet, parameter: str) -> int:
    """A bound in employees as a whole number of persons (a unit of at most 9.5 employees has at most 9)."""
    return math.floor(rules[parameter])


def _spread(rules: RuleSet, median: str, upper: str) -> float:
    """The log-normal spread that puts DECK_SHARE_ABOVE of the draws with median ``rules[median]`` above
    ``rules[upper]``, to the nearest step of 1 / SPREAD_STEPS."""
    low, high = rules[median], rules[upper]
    if not 0 < low < high:
        raise ValueError(f"rule set {rules.name}: {upper} ({high:g}) must be above {median} ({low:g}) and both above 0")
    sigma = math.log(high / low) / NormalDist().inv_cdf(1 - DECK_SHARE_ABOVE)
    return max(1, round(sigma * SPREAD_STEPS)) / SPREAD_STEPS
