"""Great Expectations suites (expectations/*.json) run on the tables about to be published.

Each table is read read-only from DuckDB into a pandas frame (the columns its suite reads) and validated with GX 1.x
from code, in an ephemeral context: the suites are files in the repository, not state in a
GX project folder. No Dagster imports: ``pipelines/defs/quality`` wraps this in asset checks.

A suite never restates a rule: where a bound is a threshold of the rule set, the suite writes
``{"rule": "district_min_lq"}`` (optionally ``{"rule": ..., "times": 2}``) and the value in force in the
warehouse (``intermediate.int_rules``, the rule set the tables were built with) is put in its place.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.paths import EXPECTATIONS_DIR
from pipelines.warehouse import limit_memory


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


# Failing rows named per expectation (their key columns and value), and files behind them, at most.
NAMED_ROWS = 10


def _plain(value):
    """numpy scalars -> Python values (for JSON metadata)."""
    return value.item() if hasattr(value, "item") else value


def validate_suite(suite: Suite, frame, key: tuple[str, ...] = ()) -> SuiteResult:
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
    index = [c for c in key if c in frame.columns]
    result_format = {"result_format": "COMPLETE", "unexpected_index_column_names": index} if index else "SUMMARY"
    outcome = validation.run(batch_parameters={"dataframe": frame}, result_format=result_format)
    failures = [
        {
            "expectation": r.expectation_config.type,
            "kwargs": {k: v for k, v in r.expectation_config.kwargs.items() if k != "batch_id"},
            "observed": _plain(r.result.get("observed_value")),
            "unexpected_count": r.result.get("unexpected_count"),
            "rows": [{k: _plain(v) for k, v in row.items()}
                     for row in (r.result.get("unexpected_index_list") or [])[:NAMED_ROWS]],
        }
        for r in outcome.results
        if not r.success
    ]
    return SuiteResult(suite.name, suite.table, bool(outcome.success), len(frame), failures, len(outcome.results))


def suite_columns(definition: dict, table_columns: list[str], key: tuple[str, ...]) -> list[str]:
    """The columns a suite reads: those its expectations name (as a column, a column list or in a row
    condition), the table's key (to name failing rows) and country and year (to trace their files). A national
    register's area x industry table is millions of rows: a frame of the other columns would only cost memory."""
    text = json.dumps(definition)
    wanted = set(key) | {"country", "ref_year"}
    return [c for c in table_columns if c in wanted or re.search(rf"\b{re.escape(c)}\b", text)]


def validate_tables(database: Path, schema: str = "marts", suites: list[Suite] | None = None) -> list[SuiteResult]:
    """Run every suite against its table in ``schema`` of a DuckDB file opened read-only."""
    from pipelines.publish import PUBLISHED_TABLES

    results = []
    con = limit_memory(duckdb.connect(str(database), read_only=True))
    try:
        rules = rules_in_force(con)
        for suite in suites or load_suites():
            table_columns = [r[0] for r in con.execute(f"describe {schema}.{suite.table}").fetchall()]
            columns = suite_columns(suite.definition, table_columns, PUBLISHED_TABLES.get(suite.table, ()))
            # Through Arrow: DuckDB's .df() of a national register's area x industry table (8.7 M rows at 50 M
            # units) takes 9 s and peaks at 5.9 GB; .to_arrow_table().to_pandas() 0.7 s and 2.1 GB (BENCHMARKS §10).
            frame = con.sql(f"select {', '.join(columns)} from {schema}.{suite.table}").to_arrow_table().to_pandas()
            resolved = Suite(suite.name, suite.table, suite.path, resolve_rules(suite.definition, rules), suite.skip_when_empty)
            result = validate_suite(resolved, frame, PUBLISHED_TABLES.get(suite.table, ()))
            for failure in result.failures:
                failure["sources"] = trace_sources(con, frame, failure["rows"])
            results.append(result)
    finally:
        con.close()
    return results


def trace_sources(con: duckdb.DuckDBPyConnection, frame, rows: list[dict]) -> list[str]:
    """The input files (and lines, where a failing row is one landed cell) behind failing values: for named rows,
    the files of their country and year, and the exact lines of an area x industry cell; for a failure of the
    whole table, the files of every country and year in it."""
    found: list[str] = []
    if rows:
        for row in rows:
            if {"country", "ref_year", "area_code", "industry_code"} <= set(row):
                lines = con.execute(
                    """
                    select f.source_file, l.source_line from landing.area_industry l
                    join landing.source_files f using (source_file_id)
                    where l.country = ? and l.ref_year = ? and l.area_code = ? and l.industry_code = ?
                    order by 1, 2
                    """,
                    [row["country"], row["ref_year"], row["area_code"], row["industry_code"]],
                ).fetchall()
                found += [f"{file} line {line}" for file, line in lines]
        scopes = sorted({(r["country"], r["ref_year"]) for r in rows if "country" in r and "ref_year" in r})
    elif {"country", "ref_year"} <= set(frame.columns):
        scopes = sorted({(c, int(y)) for c, y in frame[["country", "ref_year"]].drop_duplicates().itertuples(index=False)})
    else:
        scopes = []
    for country, year in scopes:
        files = con.execute(
            "select distinct source_file from landing.source_files where country = ? and ref_year = ? order by 1",
            [country, year],
        ).fetchall()
        found += [f[0] for f in files if f[0] not in found]
    return found[:NAMED_ROWS * 2]


def describe_failure(failure: dict) -> str:
    """One line: the expectation, its column, what was observed, the rows and the files behind them."""
    column = failure["kwargs"].get("column")
    text = failure["expectation"] + (f" on {column}" if column else "")
    if failure.get("unexpected_count"):
        text += f": {failure['unexpected_count']} unexpected value(s)"
    elif failure.get("observed") is not None:
        text += f": observed {failure['observed']}"
    if failure.get("rows"):
        text += "; rows " + ", ".join(json.dumps(r, default=str) for r in failure["rows"][:3])
    if failure.get("sources"):
        more = f" and {len(failure['sources']) - 3} more" if len(failure["sources"]) > 3 else ""
        text += "; from " + ", ".join(failure["sources"][:3]) + more
    return text
