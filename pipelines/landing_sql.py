"""Large delimited registers validated and landed inside DuckDB, with the rules of the frame path.

The frame path (``pipelines/ingest.py``) reads a file in batches into polars, validates each batch with the
contract's pandera schema and writes it to DuckDB. For a national register that costs a Python round trip per
batch. Here the same file is read once by DuckDB's CSV reader and every rule is an SQL expression generated
from the same definitions (``Contract.fields``: kinds, patterns, closed lists; the catalogue entry's mapping,
code patterns and reference lookups; ``Contract.one_of``; ``Contract.plausibility``), so that a row lands or
goes to quarantine with the same reason text, line and original row as the frame path gives it. The tests
(``tests/test_landing_sql.py``) load every file of the bad-input corpus both ways and compare. Measured on a
5 M-unit register (BENCHMARKS.md section 7), it is about as fast as the frame path and holds about a quarter
less memory.

What is left to the frame path: files whose whole-file inspection found rows that do not fit the header or a
last row without a line break (their rows cannot be numbered by DuckDB's reader), adapters other than
``delimited``, and files smaller than ``CROSSCLUSTER_SQL_LANDING_MIN_BYTES`` (default 64 MB), where pandera
validating small inputs costs nothing worth saving. Duplicated keys are found across the whole load in DuckDB
on both paths (``ingest._merge_and_flag_duplicates``).
"""

from __future__ import annotations

import os
import re

import duckdb

from pipelines.catalogue import CatalogueEntry, SourceFile
from pipelines.contracts import KIND_DUCKDB, KIND_PATTERN, KIND_PROBLEM, Contract
from pipelines.sources.delimited import DelimitedFile
from pipelines.sources.denue import derived_sql

SQL_LANDING_MIN_BYTES_ENV = "CROSSCLUSTER_SQL_LANDING_MIN_BYTES"
DEFAULT_SQL_LANDING_MIN_BYTES = 64 * 1024 * 1024
# What polars' strip_chars() strips (the characters of Unicode's White_Space property), as a regular-expression
# class: trimmed cells compare the same on both paths.
_WHITESPACE = "".join(chr(c) for c in (*range(0x09, 0x0E), 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B),
                                       0x2028, 0x2029, 0x202F, 0x205F, 0x3000))
_WHITESPACE_CLASS = "[" + "".join(f"\\x{{{ord(c):04X}}}" for c in _WHITESPACE) + "]"
_TRUTHY = ("true", "t", "yes", "y", "1")


def sql_landing_min_bytes() -> int:
    value = os.environ.get(SQL_LANDING_MIN_BYTES_ENV)
    if value is None:
        return DEFAULT_SQL_LANDING_MIN_BYTES
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{SQL_LANDING_MIN_BYTES_ENV}={value!r} is not a number of bytes") from None


def lands_in_duckdb(file: DelimitedFile, min_bytes: int | None = None) -> bool:
    """Whether an inspected file (``pipelines.sources.INSPECTORS``) is landed here rather than by the frame
    path."""
    min_bytes = sql_landing_min_bytes() if min_bytes is None else min_bytes
    return file.is_regular and file.path.stat().st_size >= min_bytes


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str | None) -> str:
    return "NULL" if value is None else "'" + str(value).replace("'", "''") + "'"


def _raw(name: str) -> str:
    """A column of the file, named apart from the contract's fields."""
    return _ident(f"_src:{name}")


def _trimmed(column: str) -> str:
    """A cell as the frame path has it: trimmed, empty as NULL."""
    # Most cells start and end with a printable ASCII character that is not a space (codes 33 to 126, no white
    # space among them): only the others go through the regular expression.
    plain = f"ascii({column}) BETWEEN 33 AND 126 AND ascii(right({column}, 1)) BETWEEN 33 AND 126"
    stripped = f"regexp_replace({column}, '^{_WHITESPACE_CLASS}+|{_WHITESPACE_CLASS}+$', '', 'g')"
    return f"CASE WHEN {plain} THEN {column} ELSE nullif({stripped}, '') END"


def _field_text(entry: CatalogueEntry, field_name: str, names: list[str], source: SourceFile) -> str:
    """The contract field's text from the file's columns, as ``ingest.map_to_contract`` maps it."""
    if field_name in entry.columns:
        src = entry.columns[field_name]
        expr = _raw(names[src - 1] if isinstance(src, int) else src)
    elif field_name in entry.constants:
        value = entry.constants[field_name]
        expr = _lit(None if value is None else str(value))
    elif field_name == "country" and entry.country:
        expr = _lit(entry.country)
    elif field_name == "ref_year" and source.ref_year is not None:
        expr = _lit(str(source.ref_year))
    elif field_name in names and not entry.columns:
        expr = _raw(field_name)
    else:
        expr = "NULL"
    expr = f"CAST({expr} AS VARCHAR)"
    if field_name in entry.recode:
        table = {k: v for k, v in entry.recode[field_name].items() if k is not None}
        empty = entry.recode[field_name].get(None)
        cases = " ".join(f"WHEN {expr} = {_lit(str(k))} THEN {_lit(None if v is None else str(v))}"
                         for k, v in table.items())
        expr = f"(CASE WHEN {expr} IS NULL THEN {_lit(empty)} {cases} ELSE {expr} END)"
    if field_name in entry.zero_pad:
        expr = _zfill(expr, entry.zero_pad[field_name])
    return expr


def _zfill(expr: str, n: int) -> str:
    """polars' zfill: pads with zeros to n characters, never shortens, keeps a leading sign in front."""
    return (f"(CASE WHEN length({expr}) >= {n} THEN {expr} "
            f"WHEN left({expr}, 1) IN ('-', '+') THEN left({expr}, 1) || lpad(substr({expr}, 2), {n - 1}, '0') "
            f"ELSE lpad({expr}, {n}, '0') END)")


def _text_reasons(contract: Contract, code_patterns: dict[str, str], known: dict[str, tuple[set[str], str]]) -> str:
    """The reasons a mapped row (columns named as the contract's fields) breaks the text rules, in
    the order the frame path lists them (field by field: empty but required, form, closed list, reference
    list; then the fields of which one is needed), joined by "; "; NULL when it breaks none."""
    parts = []
    for f in contract.fields:
        value = _ident(f.name)
        quoted = f"'{f.name} ''' || {value} || ''' '"
        if f.required:
            parts.append(f"CASE WHEN {value} IS NULL THEN {_lit(f'{f.name} is empty but required')} END")
        pattern = code_patterns.get(f.name) or KIND_PATTERN[f.kind]
        if pattern:
            problem = KIND_PROBLEM.get(f.kind, "has the wrong form")
            if f.name in code_patterns:
                problem = f"does not match {pattern} (a lost leading zero or a wrong code level?)"
            parts.append(f"CASE WHEN NOT regexp_matches({value}, {_lit(pattern)}) THEN {quoted} || {_lit(problem)} END")
        if f.allowed:
            listed = ", ".join(_lit(v) for v in f.allowed)
            parts.append(f"CASE WHEN {value} NOT IN ({listed}) THEN {quoted} || "
                         f"{_lit('is not one of ' + ', '.join(f.allowed))} END")
        if f.name in known:
            where = known[f.name][1]
            parts.append(f"CASE WHEN {value} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM _known AS k WHERE "
                         f"k.field = {_lit(f.name)} AND k.value = {value}) THEN {quoted} || "
                         f"{_lit('is not in ' + where)} END")
    for group in contract.one_of:
        none = " AND ".join(f"{_ident(c)} IS NULL" for c in group)
        parts.append(f"CASE WHEN {none} THEN {_lit('the row has none of ' + ' / '.join(group))} END")
    if not parts:
        return "NULL"
    return f"nullif(concat_ws('; ', {', '.join(parts)}), '')"


def _typed(contract: Contract) -> list[str]:
    """The fields cast to their kinds, for rows that pass the text rules (named ``t:<field>``)."""
    exprs = []
    for f in contract.fields:
        value = _ident(f.name)
        if f.kind == "flag":
            truthy = ", ".join(_lit(v) for v in _TRUTHY)
            cast = f"lower({value}) IN ({truthy})"
        else:
            cast = f"CAST({value} AS {KIND_DUCKDB[f.kind]})"
        exprs.append(f"CASE WHEN text_reason IS NULL AND {value} IS NOT NULL THEN {cast} END AS {_typed_name(f.name)}")
    return exprs


def _typed_name(field_name: str) -> str:
    return _ident(f"t:{field_name}")


def _implausible(contract: Contract, current_year: int) -> str:
    """The plausibility reasons of a typed row, as ``Contract.implausible`` writes them."""
    parts = []
    for rule in contract.plausibility:
        text = rule.reason
        message = f"'implausible ({rule.name}): ' || "
        pieces = []
        for i, chunk in enumerate(text.split("{")):
            if i == 0:
                pieces.append(_lit(chunk))
                continue
            column, rest = chunk.split("}", 1)
            pieces.append(f"CAST({_typed_name(column)} AS VARCHAR)")
            pieces.append(_lit(rest))
        message += " || ".join(p for p in pieces if p != "''")
        condition = rule.condition(current_year)
        parts.append(f"CASE WHEN coalesce(({_columns_of(condition, contract)}), false) THEN {message} END")
    if not parts:
        return "NULL"
    return f"nullif(concat_ws('; ', {', '.join(parts)}), '')"


def _columns_of(condition: str, contract: Contract) -> str:
    """A plausibility condition with its field names bound to the typed row."""
    names = set(contract.field_names)
    return re.sub(r"\b([a-z_][a-z0-9_]*)\b",
                  lambda m: _typed_name(m.group(1)) if m.group(1) in names else m.group(1), condition)


def land_file(
    con: duckdb.DuckDBPyConnection,
    entry: CatalogueEntry,
    source: SourceFile,
    file: DelimitedFile,
    known: dict[str, tuple[set[str], str]],
    lineage: dict,
    quarantine_lineage: dict,
    current_year: int,
) -> int:
    """Land one inspected file (``lands_in_duckdb``) inside the caller's transaction: good rows to the landing
    table, the others to quarantine with every reason, their line and their row. Returns the rows read."""
    contract = entry.contract
    # The adapter's columns: the file's own, and those a layout derives from them (DENUE).
    derived = derived_sql(file.names, _raw, _zfill) if file.layout == "denue" else {}
    names = file.names + [c for c in derived if c not in file.names]
    con.execute("CREATE OR REPLACE TEMP TABLE _known (field VARCHAR, value VARCHAR)")
    for field_name, (values, _where) in known.items():
        con.execute("INSERT INTO _known SELECT ?, unnest(?::VARCHAR[])", [field_name, sorted(values)])
    columns = "{" + ", ".join(f"{_lit(n)}: 'VARCHAR'" for n in file.names) + "}"
    trimmed = ", ".join(f"{_trimmed(_ident(n))} AS {_raw(n)}" for n in file.names)
    replaced = [f"{sql} AS {_raw(c)}" for c, sql in derived.items() if c in file.names]
    added = [f"{sql} AS {_raw(c)}" for c, sql in derived.items() if c not in file.names]
    adapted = ("SELECT * " + (f"REPLACE ({', '.join(replaced)}) " if replaced else "")
               + "".join(f", {a}" for a in added) + " FROM cells")
    mapped = ", ".join(f"{_field_text(entry, f.name, names, source)} AS {_ident(f.name)}" for f in contract.fields)
    original = "to_json(json_object(" + ", ".join(f"{_lit(n)}, {_raw(n)}" for n in names) + "))"
    # One pass over the file: trimmed cells, the contract's fields, the text rules, the typed values, the
    # plausibility rules; the original row is written for rows that go to quarantine only.
    reason = f"coalesce(text_reason, {_implausible(contract, current_year)})"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _checked AS
        WITH raw AS (
            SELECT row_number() OVER () + {file.header_lines} AS _line, *
            FROM read_csv({_lit(str(file.readable))}, header = true, columns = {columns},
                          delim = {_lit(file.delimiter)}, quote = '"', escape = '"', auto_detect = false,
                          max_line_size = 16777216)
        ),
        cells AS (SELECT _line, {trimmed} FROM raw),
        adapted AS ({adapted}),
        mapped AS (SELECT adapted.*, {mapped} FROM adapted),
        checked AS (SELECT mapped.*, {_text_reasons(contract, entry.code_patterns, known)} AS text_reason FROM mapped),
        typed AS (SELECT checked.*, {", ".join(_typed(contract))} FROM checked),
        reasoned AS (SELECT typed.*, {reason} AS reason FROM typed)
        SELECT
            _line::BIGINT AS source_line,
            {", ".join(f"{_typed_name(f)} AS {_ident(f)}" for f in contract.field_names)},
            reason,
            CASE WHEN reason IS NOT NULL THEN {original} END AS original_row
        FROM reasoned
        """
    )
    fields = ", ".join(_ident(f) for f in contract.field_names)
    lineage_values = ", ".join(f"? AS {_ident(k)}" for k in lineage)
    con.execute(
        f"""
        INSERT INTO {contract.table} BY NAME
        SELECT {fields}, source_line, {lineage_values} FROM _checked WHERE reason IS NULL
        """,
        list(lineage.values()),
    )
    quarantine_values = ", ".join(f"? AS {_ident(k)}" for k in quarantine_lineage)
    con.execute(
        f"""
        INSERT INTO quarantine.{contract.name} BY NAME
        SELECT source_line, reason, original_row, {quarantine_values}
        FROM _checked WHERE reason IS NOT NULL
        """,
        list(quarantine_lineage.values()),
    )
    rows = con.execute("SELECT count(*) FROM _checked").fetchone()[0]
    for table in ("_checked", "_known"):
        con.execute(f"DROP TABLE {table}")
    return rows
