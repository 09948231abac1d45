"""Languages of the report: message catalogues, category labels and numbers formatted for the locale.

The catalogues are gettext ``.po`` files in ``locales/<lang>/LC_MESSAGES/report.po`` (English is the source
language). They are compiled in memory when a report is written, so a plain install of the package (which
ships the ``.po`` files) is enough; nothing compiled is kept in the repository. To add a message, mark it in a
template (``{% trans %}``, ``_()``) or in Python (``N_()`` for a label looked up later), then::

    pybabel extract -F pipelines/report/babel.cfg -k N_ -o /tmp/report.pot pipelines/report
    pybabel update -i /tmp/report.pot -d pipelines/report/locales -D report

and translate the new entries (``tests/test_report_i18n.py`` fails while one is missing).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "report"
LANGUAGES = ("en", "it", "es")
LANGUAGE_NAMES = {"en": "English", "it": "Italiano", "es": "Español"}


def N_(message: str) -> str:
    """Mark a label for the catalogues; it is translated where it is shown."""
    return message


def catalogue_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: str) -> Translations:
    """The language's catalogue, compiled from its .po file in memory."""
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    with catalogue_path(language).open("rb") as po:
        catalogue = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def gettext_for(language: str) -> Callable[[str], str]:
    return translations(language).gettext


# Category labels: codes as the published tables hold them -> English label (the catalogue's message id).
TYPOLOGY_CLASSES = {
    "PRIMORDIAL": N_("Primordial"),
    "EVOLUTIVO": N_("Evolving"),
    "CONSOLIDADO": N_("Consolidated"),
    "REPOSICIONADO": N_("Repositioned"),
}
LIFECYCLE_STAGES = {
    "AGLOMERACION": N_("Agglomeration"),
    "EN_DESARROLLO": N_("Developing"),
    "EMERGENTE": N_("Emerging"),
    "MADURO": N_("Mature"),
    "TRANSFORMACION": N_("Transformation"),
    "indeterminate": N_("Indeterminate"),
}
LIFECYCLE_BRANCHES = {"decline": N_("decline"), "renewal": N_("renewal")}
DIMENSIONS = {
    "level_d1": N_("D1 Size and critical mass"),
    "level_d2": N_("D2 Division of labour"),
    "level_d3": N_("D3 Output markets"),
    "level_d4": N_("D4 Innovation"),
    "level_d5": N_("D5 Finance and local banks"),
    "level_d6": N_("D6 Labour market and skills"),
    "level_d7": N_("D7 Institutions and services"),
}
# SDMX CONF_STATUS and OBS_STATUS codes of the published tables.
CONF_STATUS = {
    "F": N_("free"),
    "A": N_("small counts"),
    "O": N_("dominance by one unit"),
    "T": N_("dominance by two units"),
    "D": N_("secondary suppression"),
    "C": N_("confidential in source"),
}
OBS_STATUS = {"A": N_("normal value"), "E": N_("estimated"), "L": N_("not available from the loaded inputs")}
METHODS = {
    "lq_size_v1": N_("LQ and size thresholds"),
    "sforzi_istat": N_("Sforzi-ISTAT algorithm"),
    "cluster_mapping": N_("Cluster-mapping route"),
}
SIZE_FACTS = {
    "many_firms": N_("More than 200 firms"),
    "very_many_firms": N_("More than 600 firms"),
    "few_employees": N_("Fewer than 5,000 employees"),
    "many_employees": N_("More than 20,000 employees"),
    "critical_mass": N_("Critical mass (15,000 employees)"),
}
GAPS = {
    "vertical_complementarity": N_("Vertical complementarity"),
    "learning_by_interacting": N_("Learning by interacting"),
    "product_innovation": N_("Product innovation"),
    "skills": N_("Skills"),
    "markets": N_("Markets"),
    "credit": N_("Credit"),
    "associations": N_("Associations"),
    "trust": N_("Trust"),
}
INDICATORS = {
    "firms": N_("Firms (main industry)"),
    "firms_all_industries": N_("Firms (all industries)"),
    "employees": N_("Employees (main industry)"),
    "employees_all_industries": N_("Employees (all industries)"),
    "average_unit_size": N_("Average unit size"),
    "lq": N_("Location quotient"),
    "sme_employment_share": N_("SME employment share"),
    "small_employment_share": N_("Small-unit employment share"),
    "micro_employment_share": N_("Micro-unit employment share"),
    "units_micro": N_("Micro units (0-9)"),
    "units_small": N_("Small units (10-49)"),
    "units_medium": N_("Medium units (50-249)"),
    "units_large": N_("Large units (250+)"),
    "employees_micro": N_("Employees in micro units"),
    "employees_small": N_("Employees in small units"),
    "employees_medium": N_("Employees in medium units"),
    "employees_large": N_("Employees in large units"),
    "export_share": N_("Export share of turnover"),
    "export_intensity_index": N_("Export intensity index"),
    "exports_main_industry": N_("Exports of the main industry"),
    "bank_branches_per_10k_inhabitants": N_("Bank branches per 10,000 inhabitants"),
    "bank_branches_per_1000_firms": N_("Bank branches per 1,000 firms"),
    "local_bank_share": N_("Local-bank share of branches"),
    "population": N_("Population"),
}
LEADER_CONCENTRATION = {
    "dominant_unit": N_("dominated by one unit"),
    "concentrated": N_("concentrated"),
    "dispersed": N_("dispersed"),
}
COUNTRIES = {"IT": N_("Italy"), "MX": N_("Mexico"), "US": N_("United States")}
# The map's area statuses (besides the districts, coloured by their main industry).
AREA_STATUSES = {
    "other_industries": N_("Other main industries"),
    "other_method": N_("District by another method only"),
    "not_district": N_("Not a district"),
    "no_data": N_("No data in this release"),
}
STRENGTH_STATUSES = {
    "strong": N_("Strong cluster"),
    "not_strong": N_("Employment, not strong"),
    "no_employment": N_("No employment in the cluster"),
}


def label(labels: dict[str, str], code: str | None, gettext: Callable[[str], str]) -> str:
    """The translated label of a code, or the code itself when it has none."""
    if code is None:
        return ""
    return gettext(labels[code]) if code in labels else str(code)


def number(value: float | int, language: str, decimals: int = 0) -> str:
    """A number for the locale: grouping and decimal signs, ``decimals`` digits after the sign at most."""
    pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=language)


def fixed(value: float | int, language: str, decimals: int) -> str:
    """A number with exactly ``decimals`` digits after the decimal sign."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=language)


def percent(value: float, language: str, decimals: int = 1) -> str:
    """A share (0-1) as a percentage for the locale."""
    return format_percent(value, format="#,##0" + ("." + "0" * decimals if decimals else "") + "%",
                          locale=language)
