"""Delimited text files (CSV, semicolon-separated, tab-separated) in any encoding.

Files are scanned lazily (polars), so a national register is never held in memory whole:
the ingest engine pulls it in batches. Before the scan, one streaming pass checks that the
bytes are valid in the catalogue's encoding (and, for encodings other than UTF-8, writes a
UTF-8 copy into the load's work folder), so that an encoding problem is reported with its
line before any row is read.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import polars as pl

from pipelines.errors import InputFileError

CANDIDATE_DELIMITERS = [",", ";", "\t", "|"]
_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_CHUNK = 16 << 20
_HEADER_BYTES = 1 << 20


def _is_utf8(encoding: str) -> bool:
    return codecs.lookup(encoding).name == "utf-8"


def _check_encoding(path: Path, encoding: str, entry_hint: str, workdir: Path | None) -> Path:
    """Validate the bytes; return the path of a UTF-8 version of the file."""
    try:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    except LookupError:
        raise InputFileError(
            path, f"encoding {encoding!r} is not known", f"Fix `format: encoding` in {entry_hint}."
        ) from None
    utf8 = _is_utf8(encoding)
    target = None if utf8 else Path(workdir or path.parent) / f"{path.name}.utf8"
    lines_before = 0
    out = open(target, "wb") if target else None
    try:
        with open(path, "rb") as handle:
            first = True
            while True:
                chunk = handle.read(_CHUNK)
                final = not chunk
                try:
                    text = decoder.decode(chunk, final=final)
                except UnicodeDecodeError as exc:
                    line = lines_before + chunk[: max(exc.start, 0)].count(b"\n") + 1
                    bad = chunk[exc.start] if 0 <= exc.start < len(chunk) else 0
                    raise InputFileError(
                        path,
                        f"byte 0x{bad:02x} is not valid {encoding} (the catalogue's encoding)",
                        f"If the file is Windows-1252/Latin-1, set `format: encoding: cp1252` in {entry_hint}, "
                        f"or re-save the file as {encoding}.",
                        line=line,
                    ) from None
                if out is not None:
                    if first:
                        text = text.removeprefix("\ufeff")
                    out.write(text.encode("utf-8"))
                first = False
                lines_before += chunk.count(b"\n")
                if final:
                    break
    finally:
        if out is not None:
            out.close()
    return target or path


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


def read_delimited(
    path: Path,
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    required_columns: list[str | int] | None = None,
    entry_hint: str = "the catalogue entry",
    workdir: Path | None = None,
    **_: object,
) -> pl.LazyFrame:
    """Every cell as text (trimmed, empty -> null); ``_line`` is the physical line of each row.

    ``required_columns`` holds header names or 1-based positions; a missing one is a
    whole-file error. Line numbers assume that data rows do not contain quoted line
    breaks (headers may).
    """
    path = Path(path)
    if path.stat().st_size == 0:
        raise InputFileError(path, "the file is empty", "Replace it with a complete export of the source.")
    readable = _check_encoding(path, encoding, entry_hint, workdir)
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

    names = _dedupe(header)
    lazy = pl.scan_csv(
        readable,
        separator=delimiter,
        has_header=True,
        new_columns=names,
        infer_schema=False,
        quote_char='"',
        empty_string_is_null=True,
    )
    cleaned = [
        pl.when(pl.col(c).str.strip_chars() == "").then(None).otherwise(pl.col(c).str.strip_chars()).alias(c)
        for c in names
    ]
    return (
        lazy.with_columns(cleaned)
        .with_row_index("_line", offset=header_lines + 1)
        .with_columns(pl.col("_line").cast(pl.Int64))
    )


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
