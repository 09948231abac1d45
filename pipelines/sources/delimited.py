"""Delimited text files (CSV, semicolon-separated, tab-separated) in any encoding."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from pipelines.errors import InputFileError

CANDIDATE_DELIMITERS = [",", ";", "\t", "|"]
_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def _decode(path: Path, data: bytes, encoding: str, entry_hint: str) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputFileError(
            path,
            f"byte 0x{data[exc.start]:02x} is not valid {encoding} (the catalogue's encoding)",
            f"If the file is Windows-1252/Latin-1, set `format: encoding: cp1252` in {entry_hint}, "
            f"or re-save the file as {encoding}.",
            line=line,
        ) from None
    except LookupError:
        raise InputFileError(
            path, f"encoding {encoding!r} is not known", f"Fix `format: encoding` in {entry_hint}."
        ) from None
    return text.removeprefix("\ufeff")


def read_delimited(
    path: Path,
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    required_columns: list[str | int] | None = None,
    entry_hint: str = "the catalogue entry",
) -> pl.DataFrame:
    """Read every cell as text; ``_line`` is the physical line of each row.

    ``required_columns`` holds header names or 1-based positions; a missing one is a
    whole-file error. Line numbers assume that data rows do not contain quoted line
    breaks (headers may).
    """
    path = Path(path)
    data = path.read_bytes()
    if not data.strip():
        raise InputFileError(path, "the file is empty", "Replace it with a complete export of the source.")
    text = _decode(path, data, encoding, entry_hint)

    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise InputFileError(path, f"the header cannot be parsed ({exc})", "Check the delimiter and quoting.", 1) from None
    header_lines = reader.line_num

    needed = required_columns or []
    if len(header) == 1 and needed and len(needed) > 1:
        guesses = [d for d in CANDIDATE_DELIMITERS if d != delimiter and d in header[0]]
        if guesses:
            raise InputFileError(
                path,
                f"the header has a single column; the file looks {_NAMES[guesses[0]]}-delimited "
                f"but the catalogue says {_NAMES.get(delimiter, repr(delimiter))}-delimited",
                f"Set `format: delimiter: \"{guesses[0]}\"` in {entry_hint}, or export the file "
                f"with the {_NAMES.get(delimiter, repr(delimiter))} delimiter.",
                line=1,
            )
    names = [h for h in header]
    missing = []
    for col in needed:
        if isinstance(col, int):
            if col < 1 or col > len(names):
                missing.append(f"column #{col}")
        elif col not in names:
            missing.append(repr(col))
    if missing:
        raise InputFileError(
            path,
            f"required column(s) {', '.join(missing)} missing; the header has {', '.join(map(repr, names))}",
            f"Export the file with those columns, or fix the `columns:` mapping in {entry_hint}.",
            line=1,
        )

    try:
        frame = pl.read_csv(
            io.BytesIO(text.encode("utf-8")),
            separator=delimiter,
            has_header=True,
            infer_schema=False,
            quote_char='"',
            empty_string_is_null=True,
        )
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputFileError(
            path,
            f"the rows cannot be parsed as {_NAMES.get(delimiter, repr(delimiter))}-delimited text ({first})",
            "Check that every row has as many fields as the header and that quotes are balanced.",
        ) from None
    if frame.height == 0:
        raise InputFileError(path, "the file has a header but no data rows", "Replace it with a complete export.")
    # polars keeps the header names; positions resolve against them.
    frame = frame.rename(dict(zip(frame.columns, _dedupe(names), strict=False)))
    frame = frame.with_columns(
        pl.when(pl.col(c).str.strip_chars() == "").then(None).otherwise(pl.col(c).str.strip_chars()).alias(c)
        for c in frame.columns
    )
    return frame.with_row_index("_line", offset=header_lines + 1).with_columns(pl.col("_line").cast(pl.Int64))


def _dedupe(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if n in seen:
            seen[n] += 1
            out.append(f"{n}__{seen[n]}")
        else:
            seen[n] = 0
            out.append(n)
    return out
