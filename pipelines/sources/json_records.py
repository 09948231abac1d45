"""A JSON file holding a list of flat records (e.g. INEGI's municipality list)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from pipelines.errors import InputFileError


def read_json_records(
    path: Path,
    *,
    encoding: str = "utf-8",
    required_columns: list[str | int] | None = None,
    entry_hint: str = "the catalogue entry",
    **_: object,
) -> pl.LazyFrame:
    """Every value as text; ``_line`` is the record number (1-based)."""
    path = Path(path)
    try:
        records = json.loads(path.read_text(encoding=encoding))
    except UnicodeDecodeError as exc:
        raise InputFileError(
            path, f"not valid {encoding} ({exc.reason})", f"Fix `format: encoding` in {entry_hint}."
        ) from None
    except json.JSONDecodeError as exc:
        raise InputFileError(
            path, f"not valid JSON ({exc.msg})", "Repair or re-export the file.", line=exc.lineno
        ) from None
    if not isinstance(records, list) or not records:
        raise InputFileError(
            path, "expected a non-empty JSON list of records", "Re-export the file as a list of objects."
        )
    keys: list[str] = []
    for rec in records:
        for k in rec:
            if k not in keys:
                keys.append(k)
    missing = [c for c in (required_columns or []) if isinstance(c, str) and c not in keys]
    if missing:
        raise InputFileError(
            path,
            f"required key(s) {', '.join(map(repr, missing))} missing; records have {', '.join(keys)}",
            f"Fix the `columns:` mapping in {entry_hint}.",
        )
    columns = {k: [None if (v := rec.get(k)) is None or v == "" else str(v) for rec in records] for k in keys}
    frame = pl.DataFrame(columns, schema={k: pl.String for k in keys})
    return frame.with_row_index("_line", offset=1).with_columns(pl.col("_line").cast(pl.Int64)).lazy()
