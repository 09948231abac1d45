"""Great Expectations suites (expectations/*.json) run on the tables about to be published.

Each table is read read-only from DuckDB into a pandas frame and validated with GX 1.x
from code, in an ephemeral context: the suites are files in the repository, not state in a
GX project folder. No Dagster imports: ``pipelines/defs/quality`` wraps this in asset checks.

A suite never restates a rule: where a bound is a threshold of the rule set, the suite writes
``{"rule": "district_min_lq"}`` (optionally ``{"rule": ..., "times": 2}``) and the value in force in the
warehouse (``intermediate.int_rules``, the rule set the tables were built with) is put in its place.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.paths import EXPECTATIONS_DIR


@dataclass(frozen=True)
class Suite:
    name: str
    table: str
    path: Path
    definition: dict
    # A table that only some inputs produce (cluster_strength needs U.S. statistics) may be empty.
    skip_when_empty: bool = False


@dataclass
class SuiteResult:
    suite: str
    table: str
    success: bool
    rows: int
    failures: list[dict] = field(default_factory=list)
    evaluated: int = 0


def load_suites(folder: Path = EXPECTATIONS_DIR) -> list[Suite]:
    suites = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        table = data.pop("table")
        skip = bool(data.pop("skip_when_empty", False))
        suites.append(Suite(name=data["name"], table=table, path=path, definition=data, skip_when_empty=skip))
    return suites


def resolve_rules(definition, rules: dict[str, float]):
    """The suite definition with every ``{"rule": name[, "times": k]}`` replaced by the rule's value (x k)."""
    if isinstance(definition, dict):
        if set(definition) <= {"rule", "times"} and "rule" in definition:
            name = definition["rule"]
            if name not in rules:
                raise KeyError(f"a suite names rule {name!r}, which is not in the rule set; known: {', '.join(sorted(rules))}")
            return rules[name] * definition.get("times", 1)
        return {k: resolve_rules(v, rules) for k, v in definition.items()}
    if isinstance(definition, list):
        return [resolve_rules(v, rules) for v in definition]
    return definition


def rules_in_force(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """The rule values the warehouse's tables were built with (intermediate.int_rules, overrides included)."""
    row = con.execute("select * from intermediate.int_rules").df()
    return {c: float(row[c].iloc[0]) for c in row.columns if c not in ("rule_set", "rule_set_version", "parameters")}


def validate_suite(suite: Suite, frame) -> SuiteResult:
    if suite.skip_when_empty and len(frame) == 0:
        return SuiteResult(suite.name, suite.table, True, 0, [], 0)
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    source = context.data_sources.add_pandas("published")
    batch = source.add_dataframe_asset(suite.table).add_batch_definition_whole_dataframe("all")
    gx_suite = context.suites.add(gx.ExpectationSuite(**json.loads(json.dumps(suite.definition))))
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{suite.name}_validation", data=batch, suite=gx_suite)
    )
    outcome = validation.run(batch_parameters={"dataframe": frame})
    failures = [
        {
            "expectation": r.expectation_config.type,
            "kwargs": {k: v for k, v in r.expectation_config.kwargs.items() if k != "batch_id"},
            "observed": r.result.get("observed_value"),
            "unexpected_count": r.result.get("unexpected_count"),
        }
        for r in outcome.results
        if not r.success
    ]
    return SuiteResult(suite.name, suite.table, bool(outcome.success), len(frame), failures, len(outcome.results))


def validate_tables(database: Path, schema: str = "marts", suites: list[Suite] | None = None) -> list[SuiteResult]:
    """Run every suite against its table in ``schema`` of a DuckDB file opened read-only."""
    results = []
    con = duckdb.connect(str(database), read_only=True)
    try:
        rules = rules_in_force(con)
        for suite in suites or load_suites():
            frame = con.execute(f"select * from {schema}.{suite.table}").df()
            resolved = Suite(suite.name, suite.table, suite.path, resolve_rules(suite.definition, rules), suite.skip_when_empty)
            results.append(validate_suite(resolved, frame))
    finally:
        con.close()
    return results
