"""Canonical input contracts: the one place that says what every adapter must produce.

A contract lists its fields with a *kind* that fixes both the text rule applied to
raw values (before casting) and the typed column that lands in DuckDB. Two pandera
(polars) schemas are built from a contract:

* ``text_schema``: run on each batch of the all-text frame an adapter returns. Row-level
  rules (required values, numbers that are not numbers, codes whose leading zeros were
  lost, unknown codes) fail here; the failing rows go to quarantine with the reason and
  the rest goes on. Duplicated keys are found across the whole load in DuckDB.
* ``typed_schema``: run on the cast frame just before it is written. It is
  blocking: a failure here is a defect in the pipeline, not in the input.

Codes are text everywhere: ``01001`` and ``13.20`` keep their characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import pandera.polars as pa
import polars as pl

Kind = Literal["code", "text", "count", "amount", "year", "flag"]

# Text rule, polars dtype and DuckDB type for each kind.
KIND_PATTERN: dict[str, str | None] = {
    "code": r"^\S(.*\S)?$",
    "text": None,
    "count": r"^\d+$",
    "amount": r"^\d+(\.\d+)?$",
    "year": r"^\d{4}$",
    "flag": r"(?i)^(true|false|t|f|yes|no|y|n|1|0)$",
}
KIND_PROBLEM: dict[str, str] = {
    "code": "is not a code (empty or with leading/trailing spaces)",
    "count": "is not a non-negative whole number",
    "amount": "is not a non-negative number (use '.' for decimals, no thousands separator)",
    "year": "is not a four-digit year",
    "flag": "is not true/false",
}
KIND_POLARS: dict[str, pl.DataType] = {
    "code": pl.String,
    "text": pl.String,
    "count": pl.Int64,
    "amount": pl.Float64,
    "year": pl.Int32,
    "flag": pl.Boolean,
}
KIND_DUCKDB: dict[str, str] = {
    "code": "VARCHAR",
    "text": "VARCHAR",
    "count": "BIGINT",
    "amount": "DOUBLE",
    "year": "INTEGER",
    "flag": "BOOLEAN",
}

# Columns every landed row carries besides its contract fields. The file a row comes from is
# an id into landing.source_files (path, SHA-256, rows, load time): repeating a path and a hash
# on each of millions of rows would cost more memory than the row itself during a load.
LINEAGE_COLUMNS: dict[str, str] = {
    "catalogue_entry": "VARCHAR",
    "source_file_id": "INTEGER",
    "source_line": "BIGINT",
    "is_synthetic": "BOOLEAN",
    "loaded_at": "TIMESTAMPTZ",
}
SOURCE_FILES_DDL = """
CREATE TABLE IF NOT EXISTS landing.source_files (
    source_file_id INTEGER PRIMARY KEY,
    catalogue_entry VARCHAR,
    target_table VARCHAR,
    country VARCHAR,
    ref_year INTEGER,
    source_file VARCHAR,
    source_sha256 VARCHAR,
    rows_read BIGINT,
    loaded_at TIMESTAMPTZ
)
"""
# One row per load of an entry (per country x year for statistics): the hash of what was loaded (the entry's
# catalogue definition and its files' content), which decides whether a refresh needs to load it again.
LOADS_DDL = """
CREATE TABLE IF NOT EXISTS landing.loads (
    catalogue_entry VARCHAR,
    country VARCHAR,
    ref_year INTEGER,
    input_sha256 VARCHAR,
    rows_landed BIGINT,
    loaded_at TIMESTAMPTZ
)
"""
QUARANTINE_COLUMNS: dict[str, str] = {
    "catalogue_entry": "VARCHAR",
    "country": "VARCHAR",
    "ref_year": "INTEGER",
    "source_file": "VARCHAR",
    "source_line": "BIGINT",
    "reason": "VARCHAR",
    "original_row": "JSON",
    "quarantined_at": "TIMESTAMPTZ",
}


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    required: bool = False
    description: str = ""
    # A closed list of values (e.g. the kinds of an institution); empty = any value of the kind.
    allowed: tuple[str, ...] = ()


# Bounds of the plausibility rules ([O] our own choices, stated once here and read by the rules and the tests).
PLAUSIBILITY_BOUNDS: dict[str, int] = {
    # Employees of one establishment (or on average per establishment of a cell): a higher figure is a unit
    # error (a head count in thousands, a misplaced digit), not a workplace. The largest average of the bundled
    # CBP 2021 county cells is about 4,500.
    "max_employees_per_establishment": 100_000,
    # The earliest founding year taken as a year rather than a typing error.
    "min_founded_year": 1000,
    # The earliest reference year of any statistics the warehouse compares.
    "min_ref_year": 1950,
}


@dataclass(frozen=True)
class Plausibility:
    """A rule an office applies at the door to rows that passed the text rules, as data: ``broken`` is an SQL
    condition on the typed row (polars ``sql_expr``; ``{bound}`` placeholders come from PLAUSIBILITY_BOUNDS and
    ``{current_year}`` is the year of the load), true when the row is implausible; ``reason`` is the text of
    its quarantine reason (after ``implausible (<name>): ``), where ``{column}`` shows the row's value."""

    name: str
    broken: str
    reason: str

    def condition(self, current_year: int) -> str:
        return self.broken.format(current_year=current_year, **PLAUSIBILITY_BOUNDS)

    def columns(self) -> list[str]:
        return re.findall(r"\{(\w+)\}", self.reason)


def _aggregate_rules(with_payroll: bool) -> tuple[Plausibility, ...]:
    rules = (
        Plausibility(
            "employees_without_establishments",
            "establishments = 0 AND employees > 0",
            "{employees} employees in 0 establishments",
        ),
        Plausibility(
            "employees_per_establishment",
            "establishments > 0 AND employees > establishments * {max_employees_per_establishment}",
            "{employees} employees in {establishments} establishment(s), more than "
            f"{PLAUSIBILITY_BOUNDS['max_employees_per_establishment']:,} per establishment",
        ),
    )
    if with_payroll:
        # Payroll is annual and employees are counted in one pay period, so payroll without employees is
        # possible (a seasonal business); employees without any payroll are not.
        rules += (
            Plausibility(
                "employees_without_payroll",
                "employees > 0 AND payroll = 0",
                "{employees} employees with a payroll of 0",
            ),
        )
    return rules


YEAR_RULE = Plausibility(
    "ref_year_in_range",
    "ref_year < {min_ref_year} OR ref_year > {current_year}",
    f"reference year {{ref_year}} is outside {PLAUSIBILITY_BOUNDS['min_ref_year']} to the current year",
)


@dataclass(frozen=True)
class Contract:
    name: str
    schema: Literal["landing", "reference"]
    description: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    # Fields of which at least one must be mapped and non-empty (e.g. employees or a band).
    one_of: tuple[tuple[str, ...], ...] = field(default_factory=tuple)
    # Rules across fields on typed rows (counts that contradict each other, values out of range).
    plausibility: tuple[Plausibility, ...] = field(default_factory=tuple)

    @property
    def table(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def get(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"contract {self.name} has no field {name!r}")

    def text_schema(
        self,
        code_patterns: dict[str, str] | None = None,
        known_values: dict[str, tuple[set[str], str]] | None = None,
    ) -> pa.DataFrameSchema:
        """Row rules on the all-text frame; see the module docstring."""
        code_patterns = code_patterns or {}
        known_values = known_values or {}
        columns = {}
        for f in self.fields:
            checks = []
            pattern = code_patterns.get(f.name) or KIND_PATTERN[f.kind]
            if pattern:
                problem = KIND_PROBLEM.get(f.kind, "has the wrong form")
                if f.name in code_patterns:
                    problem = f"does not match {pattern} (a lost leading zero or a wrong code level?)"
                checks.append(pa.Check.str_matches(pattern, error=problem))
            if f.allowed:
                checks.append(pa.Check.isin(list(f.allowed), error=f"is not one of {', '.join(f.allowed)}"))
            if f.name in known_values:
                allowed, where = known_values[f.name]
                checks.append(pa.Check.isin(sorted(allowed), error=f"is not in {where}"))
            columns[f.name] = pa.Column(pl.String, checks=checks, nullable=not f.required, required=True)
        frame_checks = [
            pa.Check(
                lambda data, group=group: data.lazyframe.select(
                    pl.any_horizontal([pl.col(c).is_not_null() for c in group])
                ),
                error=f"has none of {' / '.join(group)}",
                name=f"one_of_{'_'.join(group)}",
            )
            for group in self.one_of
        ]
        # The key's uniqueness is checked across the whole load in DuckDB (pipelines/ingest.py),
        # since rows are validated in batches.
        return pa.DataFrameSchema(columns, checks=frame_checks, strict=False)

    def typed_schema(self) -> pa.DataFrameSchema:
        columns = {f.name: pa.Column(KIND_POLARS[f.kind], nullable=not f.required) for f in self.fields}
        columns["source_line"] = pa.Column(pl.Int64, nullable=False)
        return pa.DataFrameSchema(columns, strict=False)

    def cast(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Cast a frame that passed ``text_schema`` to the contract's types."""
        exprs = []
        for f in self.fields:
            col = pl.col(f.name)
            if f.kind == "flag":
                truthy = col.str.to_lowercase().is_in(["true", "t", "yes", "y", "1"])
                exprs.append(pl.when(col.is_null()).then(None).otherwise(truthy).alias(f.name))
            else:
                exprs.append(col.cast(KIND_POLARS[f.kind], strict=True).alias(f.name))
        return frame.with_columns(exprs)

    def implausible(self, typed: pl.DataFrame, current_year: int) -> pl.Series:
        """The reasons (``; ``-joined) of the rows of a typed frame that break a plausibility rule, else null."""
        reasons = []
        for rule in self.plausibility:
            text = rule.reason
            parts, values = re.split(r"\{\w+\}", text), [pl.col(c).cast(pl.String) for c in rule.columns()]
            parts[0] = f"implausible ({rule.name}): {parts[0]}"
            message = pl.format("{}".join(parts), *values) if values else pl.lit(parts[0])
            broken = pl.sql_expr(rule.condition(current_year)).fill_null(False)
            reasons.append(pl.when(broken).then(message))
        if not reasons:
            return pl.Series("reason", [None] * typed.height, dtype=pl.String)
        joined = pl.concat_str(reasons, separator="; ", ignore_nulls=True)
        return typed.select(pl.when(pl.any_horizontal([r.is_not_null() for r in reasons])).then(joined)
                            .alias("reason")).to_series()

    def ddl(self) -> str:
        cols = [f'"{f.name}" {KIND_DUCKDB[f.kind]}' for f in self.fields]
        cols += [f"{name} {typ}" for name, typ in LINEAGE_COLUMNS.items()]
        return f"CREATE TABLE IF NOT EXISTS {self.table} ({', '.join(cols)})"

    def quarantine_ddl(self) -> str:
        cols = [f"{name} {typ}" for name, typ in QUARANTINE_COLUMNS.items()]
        return f"CREATE TABLE IF NOT EXISTS quarantine.{self.name} ({', '.join(cols)})"


def _f(
    name: str, kind: Kind, required: bool = False, description: str = "", allowed: tuple[str, ...] = ()
) -> Field:
    return Field(name, kind, required, description, allowed)


INSTITUTION_KINDS = ("association", "service_centre", "cluster_organisation", "international_network")


CONTRACTS: dict[str, Contract] = {
    c.name: c
    for c in [
        # ---- statistics and registers (schema landing), DESIGN.md "Canonical contracts"
        Contract(
            "area_industry",
            "landing",
            "Establishments and employees by area x industry (official statistics).",
            (
                _f("country", "code", True, "ISO 3166-1 alpha-2"),
                _f("ref_year", "year", True),
                _f("area_code", "code", True),
                _f("industry_system", "code", True),
                _f("industry_code", "code", True),
                _f("establishments", "count", True),
                _f("employees", "count", True),
                _f("payroll", "amount", description="annual payroll, national currency (CBP: $1,000)"),
                _f("size_class", "code"),
            ),
            key=("country", "ref_year", "area_code", "industry_system", "industry_code", "size_class"),
            plausibility=(*_aggregate_rules(with_payroll=True), YEAR_RULE),
        ),
        Contract(
            "region_industry",
            "landing",
            "Establishments and employees by region x industry, for regions above the areas (U.S. states): "
            "results by region, and, when the regions of a country cover the nation "
            "(seeds/country_settings.csv, national_reference_regions), the reference economy of location quotients.",
            (
                _f("country", "code", True, "ISO 3166-1 alpha-2"),
                _f("ref_year", "year", True),
                _f("region_type", "code", True, "the kind of region, e.g. state"),
                _f("region_code", "code", True, "e.g. the 2-digit state FIPS code"),
                _f("industry_system", "code", True),
                _f("industry_code", "code", True),
                _f("establishments", "count", True),
                _f("employees", "count", True),
                _f("payroll", "amount", description="annual payroll, national currency (CBP: $1,000)"),
            ),
            key=("country", "ref_year", "region_type", "region_code", "industry_system", "industry_code"),
            plausibility=(*_aggregate_rules(with_payroll=True), YEAR_RULE),
        ),
        Contract(
            "industry_totals",
            "landing",
            "National totals by industry: when present, the reference economy of location quotients.",
            (
                _f("country", "code", True),
                _f("ref_year", "year", True),
                _f("industry_system", "code", True),
                _f("industry_code", "code", True),
                _f("establishments", "count", True),
                _f("employees", "count", True),
            ),
            key=("country", "ref_year", "industry_system", "industry_code"),
            plausibility=(*_aggregate_rules(with_payroll=False), YEAR_RULE),
        ),
        Contract(
            "establishments",
            "landing",
            "Local units of a business register.",
            (
                _f("country", "code", True),
                _f("ref_year", "year", True),
                _f("unit_id", "code", True),
                _f("area_code", "code", True),
                _f("industry_system", "code", True),
                _f("industry_code", "code", True),
                _f("employees", "count"),
                _f("employees_band", "text"),
                _f("enterprise_id", "code"),
                _f("turnover", "amount"),
                _f("export_turnover", "amount"),
                _f("founded_year", "year"),
            ),
            key=("country", "ref_year", "unit_id"),
            one_of=(("employees", "employees_band"),),
            plausibility=(
                Plausibility(
                    "employees_per_establishment",
                    "employees > {max_employees_per_establishment}",
                    f"{{employees}} employees in one establishment, more than "
                    f"{PLAUSIBILITY_BOUNDS['max_employees_per_establishment']:,}",
                ),
                Plausibility(
                    "exports_above_turnover",
                    "export_turnover > turnover",
                    "export turnover {export_turnover} above turnover {turnover}",
                ),
                Plausibility(
                    "founded_after_reference_year",
                    "founded_year > ref_year OR founded_year < {min_founded_year}",
                    f"founded in {{founded_year}}, after the reference year {{ref_year}} or before "
                    f"{PLAUSIBILITY_BOUNDS['min_founded_year']}",
                ),
                YEAR_RULE,
            ),
        ),
        Contract(
            "exports",
            "landing",
            "Exports by area x product or industry.",
            (
                _f("country", "code", True),
                _f("ref_year", "year", True),
                _f("area_code", "code", True),
                _f("product_system", "code", True),
                _f("product_code", "code", True),
                _f("export_value", "amount", True),
                _f("currency", "code", True),
            ),
            key=("country", "ref_year", "area_code", "product_system", "product_code"),
            plausibility=(YEAR_RULE,),
        ),
        Contract(
            "imports",
            "landing",
            "National imports by product or industry (partner matching M4, trade complementarity).",
            (
                _f("country", "code", True),
                _f("ref_year", "year", True),
                _f("product_system", "code", True, "HS, or an industry classification"),
                _f("product_code", "code", True),
                _f("import_value", "amount", True),
                _f("currency", "code", True),
            ),
            key=("country", "ref_year", "product_system", "product_code"),
            plausibility=(YEAR_RULE,),
        ),
        Contract(
            "bank_branches",
            "landing",
            "Bank branches by area.",
            (
                _f("country", "code", True),
                _f("ref_year", "year", True),
                _f("area_code", "code", True),
                _f("branches", "count", True),
                _f("local_bank_branches", "count"),
            ),
            key=("country", "ref_year", "area_code"),
            plausibility=(
                Plausibility(
                    "local_above_all_branches",
                    "local_bank_branches > branches",
                    "{local_bank_branches} local bank branches of {branches} branches",
                ),
                YEAR_RULE,
            ),
        ),
        Contract(
            "population",
            "landing",
            "Resident population by area.",
            (
                _f("country", "code", True),
                _f("ref_year", "year", True),
                _f("area_code", "code", True),
                _f("population", "count", True),
            ),
            key=("country", "ref_year", "area_code"),
            plausibility=(YEAR_RULE,),
        ),
        Contract(
            "input_output",
            "landing",
            "Technical coefficients of a national input-output table: input of the supplier industry per "
            "unit of the user industry's output (typology D2 (a), gap 'vertical complementarity').",
            (
                _f("country", "code", True),
                _f("ref_year", "year", True),
                _f("industry_system", "code", True),
                _f("supplier_code", "code", True, "industry code or code prefix (e.g. a division) of the supplier"),
                _f("user_code", "code", True, "industry code or code prefix of the user industry"),
                _f("coefficient", "amount", True, "technical coefficient a_jm"),
            ),
            key=("country", "ref_year", "industry_system", "supplier_code", "user_code"),
            plausibility=(YEAR_RULE,),
        ),
        Contract(
            "innovation",
            "landing",
            "Patents, trademarks and designs by area x industry (typology D4).",
            (
                _f("country", "code", True),
                _f("ref_year", "year", True),
                _f("area_code", "code", True),
                _f("industry_system", "code", True),
                _f("industry_code", "code", True),
                _f("patents", "count"),
                _f("trademarks", "count"),
                _f("designs", "count"),
            ),
            key=("country", "ref_year", "area_code", "industry_system", "industry_code"),
            one_of=(("patents", "trademarks", "designs"),),
            plausibility=(YEAR_RULE,),
        ),
        Contract(
            "workforce",
            "landing",
            "Workers by area x industry with the skilled ones (ISCO 2-3) and/or the wage bill (typology D6).",
            (
                _f("country", "code", True),
                _f("ref_year", "year", True),
                _f("area_code", "code", True),
                _f("industry_system", "code", True),
                _f("industry_code", "code", True),
                _f("workers", "count", True),
                _f("skilled_workers", "count", description="workers in ISCO-08 major groups 2 and 3"),
                _f("wage_bill", "amount", description="annual wages, national currency"),
            ),
            key=("country", "ref_year", "area_code", "industry_system", "industry_code"),
            one_of=(("skilled_workers", "wage_bill"),),
            plausibility=(
                Plausibility(
                    "skilled_above_workers",
                    "skilled_workers > workers",
                    "{skilled_workers} skilled workers of {workers} workers",
                ),
                YEAR_RULE,
            ),
        ),
        Contract(
            "institutions",
            "landing",
            "Associations, service and technology centres, cluster organisations and network memberships "
            "by area (typology D7).",
            (
                _f("country", "code", True),
                _f("ref_year", "year", True),
                _f("area_code", "code", True),
                _f("institution_id", "code", True),
                _f("institution_name", "text", True),
                _f("kind", "code", True, "what the institution is", INSTITUTION_KINDS),
                _f("is_labelled", "flag", description="cluster organisation labelled ESCA/EUCLES Bronze or better"),
                _f("industry_system", "code", description="classification of the industry served (empty: all)"),
                _f("industry_code", "code", description="industry code or prefix served (empty: all)"),
            ),
            key=("country", "ref_year", "institution_id"),
            plausibility=(YEAR_RULE,),
        ),
        # ---- reference data (schema reference)
        Contract(
            "areas",
            "reference",
            "Territorial units with their labour-market area and administrative parents.",
            (
                _f("country", "code", True),
                _f("area_code", "code", True),
                _f("area_name", "text", True),
                _f("lma_code", "code", description="labour-market area (SLL, BEA Economic Area, ...)"),
                _f("lma_name", "text"),
                _f("province_code", "code"),
                _f("region_code", "code"),
                _f("region_name", "text"),
                _f("nuts_code", "code"),
                _f("population", "count"),
            ),
            key=("country", "area_code"),
        ),
        Contract(
            "area_lma",
            "reference",
            "Municipality -> labour-market area map (SLL, zona metropolitana, commuting zone).",
            (
                _f("country", "code", True),
                _f("area_code", "code", True),
                _f("lma_code", "code", True),
                _f("lma_name", "text"),
                _f("geo_vintage", "code", description="vintage of the labour-market areas, e.g. SLL2011"),
                _f(
                    "priority",
                    "count",
                    True,
                    "where several maps of a country are loaded, the one with the highest priority places its "
                    "areas: an office's own map in the input folder (2) before the bundled reference map (1)",
                ),
            ),
            key=("country", "priority", "area_code"),
        ),
        Contract(
            "area_code_changes",
            "reference",
            "Area codes of the bundled area list that a newer geography knows by another code (renumbering, "
            "mergers): a labour-market-area map keyed on the newer codes reaches the listed areas through it.",
            (
                _f("country", "code", True),
                _f("area_code", "code", True, "code in the area list (reference.areas)"),
                _f("area_name", "text"),
                _f("new_area_code", "code", True, "code of the same territory in the newer geography"),
                _f("new_area_name", "text"),
                _f("change", "text", description="renumbering or merger, with the act"),
            ),
            key=("country", "area_code"),
        ),
        Contract(
            "lma_specialisation",
            "reference",
            "A statistical office's own classification of labour-market areas by productive specialisation "
            "(ISTAT: SLL 2021 classes A-D and groups A1-D1).",
            (
                _f("country", "code", True),
                _f("geo_vintage", "code", True, "vintage of the labour-market areas, e.g. SLL2021"),
                _f("lma_code", "code", True),
                _f("lma_name", "text"),
                _f("specialisation_class", "code", True, "e.g. A (Made in Italy), B, C, D"),
                _f("specialisation_class_name", "text"),
                _f("specialisation_group", "code", True, "e.g. A3 (leather and footwear)"),
                _f("specialisation_group_name", "text"),
            ),
            key=("country", "geo_vintage", "lma_code"),
        ),
        Contract(
            "employment_bands",
            "reference",
            "Employment bands of registers that give size as a band, with the conversion rule.",
            (
                _f("band_system", "code", True),
                _f("band_text", "text", True),
                _f("lower", "count", True),
                _f("upper", "count"),
                _f("estimate", "amount", True, "employees assigned to a unit of the band"),
                _f("rule", "text"),
            ),
            key=("band_system", "band_text"),
        ),
        Contract(
            "industry_codes",
            "reference",
            "Codes and names of an industry classification.",
            (
                _f("industry_system", "code", True),
                _f("industry_code", "code", True),
                _f("industry_name", "text", True),
                _f("level", "text"),
            ),
            key=("industry_system", "industry_code"),
        ),
        Contract(
            "industry_crosswalk",
            "reference",
            "Links between two industry classifications (versions or systems).",
            (
                _f("industry_system", "code", True),
                _f("industry_code", "code", True),
                _f("target_system", "code", True),
                _f("target_code", "code", True),
                _f("is_partial", "flag", description="the link covers part of the source code"),
            ),
            key=("industry_system", "industry_code", "target_system", "target_code"),
        ),
        Contract(
            "rule_parameters",
            "reference",
            "A versioned rule set: every threshold, level cut-off, weight and bound the models apply, one row "
            "per parameter (dbt_project/rule_sets/, or the file of crosscluster refresh --rule-set).",
            (
                _f("rule_set", "code", True, "name of the rule set, e.g. district_v1"),
                _f("rule_set_version", "code", True, "version of the file, e.g. 2026.11.0"),
                _f("parameter", "code", True),
                _f("value", "amount", True),
                _f("unit", "text"),
                _f("status", "code", description="V checked, M literature, O own choice, D the deck", allowed=("V", "M", "O", "D")),
                _f("source", "text"),
            ),
            key=("rule_set", "parameter"),
        ),
        Contract(
            "cluster_definitions",
            "reference",
            "Industry -> cluster definitions (U.S. Cluster Mapping and the like).",
            (
                _f("cluster_scheme", "code", True),
                _f("cluster_code", "code", True),
                _f("cluster_name", "text", True),
                _f("cluster_type", "code", True, "traded | local | subcluster_or_other"),
                _f("industry_system", "code", True),
                _f("industry_code", "code", True),
            ),
            key=("cluster_scheme", "industry_system", "industry_code", "cluster_code"),
        ),
    ]
}


def contract(name: str) -> Contract:
    try:
        return CONTRACTS[name]
    except KeyError:
        raise KeyError(f"unknown contract {name!r}; known: {', '.join(sorted(CONTRACTS))}") from None
