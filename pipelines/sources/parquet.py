"""Parquet files: every column read as text, so that one set of contract rules applies."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipelines.errors import InputFileError


def read_parquet(
    path: Path,
    *,
    required_columns: list[str | int] | None = None,
    entry_hint: str = "the catalogue entry",
    **_: object,
) -> pl.LazyFrame:
    """``_line`` is the row number (1-based) in the file; read lazily, in batches."""
    try:
        lazy = pl.scan_parquet(path)
        columns = lazy.collect_schema().names()
        rows = lazy.select(pl.len()).collect().item()
    except (pl.exceptions.ComputeError, OSError) as exc:
        raise InputFileError(path, f"not a readable Parquet file ({exc})", "Re-export the file as Parquet.") from None
    missing = [c for c in (required_columns or []) if isinstance(c, str) and c not in columns]
    if missing:
        raise InputFileError(
            path,
            f"required column(s) {', '.join(map(repr, missing))} missing; the file has {', '.join(columns)}",
            f"Fix the `columns:` mapping in {entry_hint}.",
        )
    if rows == 0:
        raise InputFileError(path, "the file has no rows", "Replace it with a complete export.")
    lazy = lazy.with_columns(pl.all().cast(pl.String))
    return lazy.with_row_index("_line", offset=1).with_columns(pl.col("_line").cast(pl.Int64))
