"""The rule set, read once, for every Python reader (CLI, generator, benchmarks, sensitivity, tests).

A rule-set file has the columns of the ``rule_parameters`` contract (pipelines/contracts.py): rule_set,
rule_set_version, parameter, value, unit, status, source; one row per parameter. The default file is
``dbt_project/rule_sets/district_v1.csv``; ``crosscluster refresh --rule-set FILE`` builds with another one.
SQL reads the same file, loaded into ``reference.rule_parameters`` (``intermediate.int_rule_parameters`` with
overrides applied, pivoted by ``intermediate.int_rules``).

The *hash* of a rule set is the one every rule-dependent published row carries after its version
(``rule_set_version = <version>+<hash>``): the first 12 hex digits of the MD5 of
``parameter=value;...`` in parameter order, with values written as DuckDB writes a DOUBLE, so that
Python and SQL always agree on it.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.paths import DEFAULT_RULE_SET_FILE, display

COLUMNS = ("rule_set", "rule_set_version", "parameter", "value", "unit", "status", "source")
DEFAULT_RULE_SET = "district_v1"


class RuleSetError(ValueError):
    """A rule-set file that cannot be used: the message names the file, the line and the fix."""


@dataclass(frozen=True)
class Rule:
    parameter: str
    value: float
    unit: str
    status: str
    source: str


@dataclass(frozen=True)
class RuleSet:
    name: str
    version: str
    rules: dict[str, Rule]
    path: Path

    @property
    def values(self) -> dict[str, float]:
        return {p: r.value for p, r in self.rules.items()}

    def __getitem__(self, parameter: str) -> float:
        try:
            return self.rules[parameter].value
        except KeyError:
            raise KeyError(f"rule set {self.name} ({display(self.path)}) has no parameter {parameter!r}") from None

    @property
    def hash(self) -> str:
        return values_hash(self.values)

    @property
    def version_and_hash(self) -> str:
        """What published rows carry in ``rule_set_version``."""
        return f"{self.version}+{self.hash}"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    def with_values(self, overrides: dict[str, float]) -> RuleSet:
        """The same rule set with some values replaced (unknown names are an error)."""
        unknown = sorted(set(overrides) - set(self.rules))
        if unknown:
            raise KeyError(f"{', '.join(unknown)} not in rule set {self.name}; see `crosscluster rules show`")
        rules = {
            p: Rule(p, float(overrides[p]), r.unit, r.status, r.source) if p in overrides else r
            for p, r in self.rules.items()
        }
        return RuleSet(self.name, self.version, rules, self.path)


def values_hash(values: dict[str, float]) -> str:
    """The hash int_rule_parameters computes: DuckDB writes the doubles, so both sides agree digit for digit."""
    con = duckdb.connect()
    try:
        con.execute("create table v (parameter varchar, value double)")
        con.executemany("insert into v values (?, ?)", sorted(values.items()))
        (digest,) = con.execute(
            "select substr(md5(string_agg(parameter || '=' || cast(value as varchar), ';' order by parameter)), 1, 12) "
            "from v"
        ).fetchone()
    finally:
        con.close()
    return digest


def load_rule_set(path: Path | None = None, name: str | None = None) -> RuleSet:
    """Read and check a rule-set file. With ``name``, the rows of that rule set; without, the file must
    hold exactly one rule set."""
    path = Path(path or DEFAULT_RULE_SET_FILE)
    where = display(path)
    if not path.is_file():
        raise RuleSetError(f"{where}: rule-set file not found; pass an existing file (columns {', '.join(COLUMNS)}).")
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise RuleSetError(
                f"{where} line 1: missing column(s) {', '.join(missing)}; a rule-set file has the columns "
                f"{', '.join(COLUMNS)}."
            )
        rows = [(reader.line_num, row) for row in reader]
    names = sorted({row["rule_set"] for _, row in rows})
    if name is None:
        if len(names) != 1:
            raise RuleSetError(f"{where}: holds {len(names)} rule sets ({', '.join(names)}); name one of them.")
        name = names[0]
    rows = [(line, row) for line, row in rows if row["rule_set"] == name]
    if not rows:
        raise RuleSetError(f"{where}: no rule set {name!r} (it has {', '.join(names) or 'none'}).")
    versions = sorted({row["rule_set_version"] for _, row in rows})
    if len(versions) != 1:
        raise RuleSetError(f"{where}: rule set {name} has several versions ({', '.join(versions)}); keep one.")
    rules: dict[str, Rule] = {}
    for line, row in rows:
        parameter = row["parameter"].strip()
        if parameter in rules:
            raise RuleSetError(f"{where} line {line}: parameter {parameter} appears twice; keep one row.")
        try:
            value = float(row["value"])
        except ValueError:
            raise RuleSetError(
                f"{where} line {line}: value {row['value']!r} of {parameter} is not a number; use '.' for decimals."
            ) from None
        rules[parameter] = Rule(parameter, value, row["unit"], row["status"], row["source"])
    return RuleSet(name, versions[0], rules, path)


def write_rule_table(con: duckdb.DuckDBPyConnection, rule_set: RuleSet) -> None:
    """``reference.rule_parameters`` holding ``rule_set``, for builds that do not run the ingest (benchmarks).
    The pipeline itself loads the table through the catalogue entry ref_rule_parameters."""
    con.execute("create schema if not exists reference")
    con.execute(
        "create or replace table reference.rule_parameters (rule_set varchar, rule_set_version varchar, "
        "parameter varchar, value double, unit varchar, status varchar, source varchar)"
    )
    con.executemany(
        "insert into reference.rule_parameters values (?, ?, ?, ?, ?, ?, ?)",
        [(rule_set.name, rule_set.version, r.parameter, r.value, r.unit, r.status, r.source)
         for r in rule_set.rules.values()],
    )


def diff(a: RuleSet, b: RuleSet) -> list[tuple[str, float | None, float | None]]:
    """(parameter, value in a, value in b) for every parameter whose value differs or that only one has."""
    out = []
    for parameter in sorted(set(a.rules) | set(b.rules)):
        va = a.rules[parameter].value if parameter in a.rules else None
        vb = b.rules[parameter].value if parameter in b.rules else None
        if va != vb:
            out.append((parameter, va, vb))
    return out
