"""Delimited text files (CSV, semicolon-separated, tab-separated) in any encoding.

Files are scanned lazily (polars), so a national register is never held in memory whole:
the ingest engine pulls it in batches. Before the scan:

1. one streaming pass checks that the bytes are valid in the catalogue's encoding, detected where the
   catalogue allows several (``pipelines/sources/encoding.py``), and, for encodings other than UTF-8,
   writes a UTF-8 copy into the load's work folder; an encoding problem is reported with its line before
   any row is read;
2. DuckDB's CSV reader finds the rows that do not fit the header (more or fewer fields, an unterminated
   quote) with their line numbers, and a file that does not end with a line break has its last row marked
   as truncated. Those rows come out with ``_problem`` (the reason) and ``_raw_line`` (the line as it is in
   the file), and go to quarantine; the other rows of the file land.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from pipelines.errors import InputFileError
from pipelines.sources.encoding import Declared, readable_utf8

PROBLEM_COLUMN = "_problem"
RAW_LINE_COLUMN = "_raw_line"

CANDIDATE_DELIMITERS = [",", ";", "\t", "|"]
_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_HEADER_BYTES = 1 << 20
# Rows that do not fit the header, kept per file at most (a file with more is not the layout it claims).
MAX_MALFORMED_ROWS = 100_000


def _read_header(path: Path, delimiter: str) -> tuple[list[str], int, bool]:
    """(header cells, physical lines the header spans, whether any data follows)."""
    with open(path, "rb") as handle:
        head = handle.read(_HEADER_BYTES).decode("utf-8", errors="replace").removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(head), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return [], 0, False
    except csv.Error as exc:
        raise InputFileError(
            path, f"the header cannot be parsed ({exc})", "Check the delimiter and quoting.", 1
        ) from None
    header_lines = reader.line_num
    has_data = any(row for row in reader)
    return header, header_lines, has_data


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def malformed_rows(path: Path, delimiter: str, fields: int, named_fields: int | None = None) -> pl.DataFrame:
    """Rows that do not fit a header of ``fields`` fields: (_line, _problem, _raw_line), found by DuckDB.

    A row may leave out the header's trailing unnamed columns (a header that ends with a delimiter):
    ``named_fields`` is the number of fields up to the last named one."""
    named_fields = fields if named_fields is None else named_fields
    con = duckdb.connect()
    try:
        columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(fields)) + "}"
        # Literals, not parameters: DuckDB keeps no rejects for a prepared read_csv.
        try:
            con.execute(
                f"""
                SELECT count(c{fields - 1}) FROM read_csv({_literal(str(path))}, header = true,
                    columns = {columns}, delim = {_literal(delimiter)}, quote = '"', escape = '"', auto_detect = false,
                    all_varchar = true, store_rejects = true, rejects_limit = {MAX_MALFORMED_ROWS},
                    max_line_size = 16777216)
                """
            ).fetchall()
        except duckdb.InvalidInputException:
            # DuckDB's strict parser refuses some valid files (line breaks of two kinds, one inside a quoted
            # header): Python's csv module counts their fields instead, more slowly.
            return _malformed_rows_python(path, delimiter, fields, named_fields)
        try:
            rows = con.execute(
                """
                SELECT line, list(DISTINCT error_type ORDER BY error_type), any_value(csv_line),
                       min(TRY_CAST(regexp_extract(error_message, 'Found: (\\d+)', 1) AS INTEGER)),
                       max(TRY_CAST(regexp_extract(error_message, 'Found: (\\d+)', 1) AS INTEGER))
                FROM reject_errors GROUP BY line ORDER BY line
                """
            ).fetchall()
        except duckdb.CatalogException:  # no row was rejected
            rows = []
    finally:
        con.close()
    lines, problems, raws = [], [], []
    # A row reports one error per missing or extra field: the fewest found, or the most.
    for line, kinds, raw, fewest, most in rows:
        found = fewest
        if "TOO MANY COLUMNS" in kinds:
            text = _field_count(most or "more", fields)
        elif "MISSING COLUMNS" in kinds:
            if found is not None and found >= named_fields:
                continue  # only trailing unnamed columns are missing
            text = _field_count(found if found is not None else "fewer", fields)
        elif "UNQUOTED VALUE" in kinds:
            text = UNCLOSED_QUOTE
        else:
            text = "the row cannot be parsed (" + ", ".join(k.lower() for k in kinds) + ")"
        lines.append(int(line))
        problems.append(text)
        raws.append(raw)
    return _problems(lines, problems, raws)


def _problems(lines: list[int], problems: list[str], raws: list[str | None]) -> pl.DataFrame:
    """Rows that do not fit the file: (_line, _problem, _raw_line)."""
    return pl.DataFrame(
        {"_line": lines, PROBLEM_COLUMN: problems, RAW_LINE_COLUMN: raws},
        schema={"_line": pl.Int64, PROBLEM_COLUMN: pl.String, RAW_LINE_COLUMN: pl.String},
    )


def _field_count(found: int | str, fields: int) -> str:
    return f"the row has {found} fields, the header {fields}"


def _malformed_rows_python(path: Path, delimiter: str, fields: int, named_fields: int) -> pl.DataFrame:
    lines, problems, raws = [], [], []
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        start = 1
        try:
            for number, row in enumerate(reader):
                short = len(row) < named_fields
                if number and row and (short or len(row) > fields) and len(problems) < MAX_MALFORMED_ROWS:
                    lines.append(start)
                    problems.append(_field_count(len(row), fields))
                    raws.append(delimiter.join(row))
                start = reader.line_num + 1
        except csv.Error:
            lines.append(start)
            problems.append(UNCLOSED_QUOTE)
            raws.append("")
    return _problems(lines, problems, raws)


def _ends_with_line_break(path: Path) -> bool:
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        if handle.tell() == 0:
            return True
        handle.seek(-1, 2)
        return handle.read(1) in (b"\n", b"\r")


UNCLOSED_QUOTE = "a quote opened in the row is never closed"
TRUNCATED = "truncated: the file ends inside this row (no line break after it), so its last value may be cut"


@dataclass(frozen=True)
class DelimitedFile:
    """A delimited file after its whole-file checks: what a reader needs to scan its rows."""

    path: Path  # the file as given
    readable: Path  # the file, or its UTF-8 copy
    delimiter: str
    names: list[str]  # the header's names, made unique
    header_lines: int  # physical lines of the header
    last_line: int  # the file's last physical line
    truncated: bool  # the last row has no line break
    problems: pl.DataFrame  # rows that do not fit the header: _line, _problem, _raw_line
    layout: str = "delimited"  # the adapter whose columns the rows take ("denue" adds derived columns)

    @property
    def is_regular(self) -> bool:
        """Every row fits the header and ends with a line break."""
        return self.problems.height == 0 and not self.truncated


def inspect_delimited(
    path: Path,
    *,
    encoding: str | tuple[str, ...] = "utf-8",
    delimiter: str = ",",
    required_columns: list[str | int] | None = None,
    entry_hint: str = "the catalogue entry",
    encoding_at: str | None = None,
    workdir: Path | None = None,
    **_: object,
) -> DelimitedFile:
    """The whole-file checks (see the module docstring): encoding, header, required columns, rows that do not
    fit the header. ``required_columns`` holds header names or 1-based positions; a missing one is a
    whole-file error. Options of other adapters are ignored."""
    path = Path(path)
    if path.stat().st_size == 0:
        raise InputFileError(path, "the file is empty", "Replace it with a complete export of the source.")
    readable, line_breaks = readable_utf8(path, Declared.of(encoding, encoding_at or entry_hint), workdir)
    header, header_lines, has_data = _read_header(readable, delimiter)
    if not header or all(not h.strip() for h in header) and not has_data:
        raise InputFileError(path, "the file is empty", "Replace it with a complete export of the source.")

    needed = required_columns or []
    if len(header) == 1 and len(needed) > 1:
        guesses = [d for d in CANDIDATE_DELIMITERS if d != delimiter and d in header[0]]
        if guesses:
            raise InputFileError(
                path,
                f"the header has a single column; the file looks {_NAMES[guesses[0]]}-delimited "
                f"but the catalogue says {_NAMES.get(delimiter, repr(delimiter))}-delimited",
                f'Set `format: delimiter: "{guesses[0]}"` in {entry_hint}, or export the file '
                f"with the {_NAMES.get(delimiter, repr(delimiter))} delimiter.",
                line=1,
            )
    missing = []
    for col in needed:
        if isinstance(col, int):
            if col < 1 or col > len(header):
                missing.append(f"column #{col}")
        elif col not in header:
            missing.append(repr(col))
    if missing:
        raise InputFileError(
            path,
            f"required column(s) {', '.join(missing)} missing; the header has {', '.join(map(repr, header))}",
            f"Export the file with those columns, or fix the `columns:` mapping in {entry_hint}.",
            line=1,
        )
    if not has_data:
        raise InputFileError(path, "the file has a header but no data rows", "Replace it with a complete export.")

    named = len(header)
    while named > 1 and not header[named - 1].strip():
        named -= 1
    problems = malformed_rows(readable, delimiter, len(header), named)
    last_line = line_breaks + 1
    truncated = not _ends_with_line_break(readable)
    unclosed = problems.filter(pl.col(PROBLEM_COLUMN) == UNCLOSED_QUOTE).get_column("_line").to_list()
    if any(line != last_line or not truncated for line in unclosed):
        raise InputFileError(
            path,
            "a quote opened in this row is never closed, so the rows after it cannot be told apart",
            'Close the quote (a quote inside a value is written twice: "") or export the file again.',
            line=unclosed[0],
        )
    if truncated:
        # The last row is left out of the scan (polars cannot parse a row cut inside a quote) and comes back
        # as a quarantined row with the text of the line.
        with open(readable, "rb") as handle:
            handle.seek(max(0, readable.stat().st_size - (1 << 20)))
            tail = handle.read().decode("utf-8", errors="replace").rsplit("\n", 1)[-1]
        problems = pl.concat([
            problems.filter(pl.col("_line") != last_line),
            _problems([last_line], [TRUNCATED], [tail]),
        ])
    return DelimitedFile(path, readable, delimiter, _dedupe(header), header_lines, last_line, truncated, problems)


def read_delimited(path: Path, **options) -> pl.LazyFrame:
    """Every cell as text (trimmed, empty -> null); ``_line`` is the physical line of each row; rows that do
    not fit the header carry ``_problem`` and ``_raw_line`` (see the module docstring). ``options`` are those
    of :func:`inspect_delimited`.

    Line numbers assume that data rows do not contain quoted line breaks (headers may)."""
    return scan_delimited(inspect_delimited(path, **options))


def scan_delimited(file: DelimitedFile) -> pl.LazyFrame:
    """The rows of an inspected file as a lazy polars frame (read_delimited)."""
    names, truncated, last_line, problems = file.names, file.truncated, file.last_line, file.problems
    lazy = pl.scan_csv(
        file.readable,
        separator=file.delimiter,
        has_header=True,
        new_columns=names,
        infer_schema=False,
        quote_char='"',
        empty_string_is_null=True,
        truncate_ragged_lines=True,
        n_rows=last_line - file.header_lines - 1 if truncated else None,
    )
    cleaned = [
        pl.when(pl.col(c).str.strip_chars() == "").then(None).otherwise(pl.col(c).str.strip_chars()).alias(c)
        for c in names
    ]
    lazy = (
        lazy.with_columns(cleaned)
        .with_row_index("_line", offset=file.header_lines + 1)
        .with_columns(pl.col("_line").cast(pl.Int64))
    )
    if truncated:
        cut = pl.DataFrame({"_line": [last_line]}, schema={"_line": pl.Int64}).with_columns(
            *[pl.lit(None, dtype=pl.String).alias(c) for c in names]
        ).select("_line", *names)
        lazy = pl.concat([lazy.select("_line", *names), cut.lazy()])
    if problems.height:
        return lazy.join(problems.lazy(), on="_line", how="left", maintain_order="left")
    return lazy.with_columns(pl.lit(None, dtype=pl.String).alias(PROBLEM_COLUMN),
                             pl.lit(None, dtype=pl.String).alias(RAW_LINE_COLUMN))


def _dedupe(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if n in seen:
            seen[n] += 1
            out.append(f"{n}__{seen[n]}")
        else:
            seen[n] = 0
            out.append(n if n else "_unnamed")
    return out
