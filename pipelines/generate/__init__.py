"""Synthetic national registers in the native formats, for development and scale.

Real local-unit microdata (ISTAT ASIA, full DENUE extracts), Mexican labour-market areas,
exports by area and bank branches by municipality are confidential or not bundled. This package
writes look-alike files on the *real* geography and classifications (ISTAT municipalities, ISTAT's
local labour systems 2021 and ATECO 2007; INEGI municipalities with their 2020 population and
SCIAN), so that every adapter and model runs on inputs of the real shape and at national scale.
Everything it writes is synthetic and the catalogue entries that read it say so
(``is_synthetic: true``), except the Mexican population, which is INEGI's real 2020 count
copied into the population format. Italy's municipality -> SLL map is reference data
(``raw/reference/istat_sll/``), not written here; Mexico's labour-market areas are synthetic and
written with the register.

The economy is calibrated, not noise:

* unit sizes are skewed (about 95 % micro units) with the published mean size
  (Italy 2011: 16.4 million employees in 4.4 million local units, 3.7 per unit);
* units follow population (municipalities draw units in proportion to population);
* specialised districts are planted in labour-market areas, with firm and employee counts
  drawn so that about half have more than 200 firms and 30 % more than 600, half fewer than
  5,000 employees and 30 % more than 20,000 (the deck's size facts, whose thresholds are rules of
  the rule set); in Italy each in a real SLL whose ISTAT specialisation group matches its
  industry (see ``italy._place_districts``);
* the typology's inputs come with them: an input-output table by division (subsector), patents,
  trademarks and designs and the skilled workforce by municipality x class, and the district
  institutions, all shaped by a capability profile 1-4 planted in each district (typology.py);
* by the same profile, a district holds 35-70 % of its industry's national employment (the rest
  are scattered units elsewhere), has its division of labour in its labour-market area (local
  suppliers per the input-output table; from profile 3 also machinery makers and knowledge-
  intensive business services) and exports more (division_of_labour.py).

The thresholds it plants against are the rule set's (``generate(..., rules=...)``, by default
``pipelines.rules.load_rule_set()``, read once): the unit size classes, the deck's size facts, the
identification's minimum LQ, units and employees, and the typology's D2 supplier coefficient and
presence LQ, each with the generator's own margin where it plants above a threshold. The list is in
calibration.py; a moved rule moves what is planted.

Modules: ``calibration`` (the rule parameters read and the generator's margins), ``common`` (unit
and district sizes, weighted picks, seeds, files, the report), ``italy`` and ``mexico`` (each
country's register, geography, classifications and file layouts), ``typology`` (input-output
coefficients, innovation, workforce, institutions, capability profiles), ``division_of_labour``
(the planted districts' national share and division of labour).

Same arguments, same bytes: every draw comes from seeded generators (the register's, and
separate ones for the typology inputs) and files are written in a fixed order and format.
"""

from __future__ import annotations

import json
from pathlib import Path

from pipelines.generate.calibration import Calibration
from pipelines.generate.common import GenerationReport
from pipelines.generate.italy import generate_italy, italian_sll_map, sll_groups_matching
from pipelines.generate.mexico import generate_mexico
from pipelines.generate.typology import capability_profiles
from pipelines.rules import RuleSet, load_rule_set

__all__ = [
    "GENERATORS",
    "Calibration",
    "GenerationReport",
    "capability_profiles",
    "generate",
    "generate_italy",
    "generate_mexico",
    "italian_sll_map",
    "sll_groups_matching",
]


GENERATORS = {"IT": generate_italy, "MX": generate_mexico}


def generate(
    country: str, units: int, years: list[int], seed: int, out: Path, rules: RuleSet | None = None
) -> GenerationReport:
    """Write a country's synthetic register and its companion files under ``out`` and GENERATED.json.
    ``rules``: the rule set the planted districts are calibrated on (default: the default rule-set
    file); with the default rule set, the same arguments write the same bytes."""
    try:
        generator = GENERATORS[country.upper()]
    except KeyError:
        raise ValueError(f"no generator for country {country!r}; use one of {', '.join(GENERATORS)}") from None
    if units < 1000:
        raise ValueError("--units must be at least 1,000")
    cal = Calibration.from_rules(rules if rules is not None else load_rule_set())
    report = generator(units, sorted(years), seed, Path(out), cal)
    manifest = Path(out) / country.lower() / "GENERATED.json"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_text(
        json.dumps(
            {
                "synthetic": True,
                "generator": "crosscluster generate",
                "country": country.upper(),
                "units_requested": units,
                "seed": seed,
                "years": sorted(years),
                "units": report.units,
                "employees": report.employees,
                "planted_districts": report.districts,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    return report
