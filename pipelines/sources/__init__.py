"""Pure adapters: a native file in, an all-text polars frame out (no Dagster imports).

Every adapter returns a LazyFrame of the file's rows as text columns plus ``_line``, the line (or
record) number of the row in the file, so that quarantine can point at it. Which
columns become which contract field is the catalogue entry's business
(``pipelines/ingest.py`` applies the mapping).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl

from pipelines.sources.delimited import DelimitedFile, inspect_delimited, read_delimited, scan_delimited
from pipelines.sources.denue import add_derived_columns, inspect_denue, read_denue
from pipelines.sources.json_records import read_json_records
from pipelines.sources.parquet import read_parquet
from pipelines.sources.us_counties import read_us_counties

Adapter = Callable[..., pl.LazyFrame]

ADAPTERS: dict[str, Adapter] = {
    "delimited": read_delimited,
    "denue": read_denue,
    "json_records": read_json_records,
    "parquet": read_parquet,
    "us_counties": read_us_counties,
}

LINE_COLUMN = "_line"


def read_source(adapter: str, path: Path, **options) -> pl.LazyFrame:
    try:
        reader = ADAPTERS[adapter]
    except KeyError:
        raise KeyError(f"unknown adapter {adapter!r}; known: {', '.join(sorted(ADAPTERS))}") from None
    return reader(path, **options)


# Adapters whose files are inspected first, then read by polars or by DuckDB (pipelines/landing_sql.py).
INSPECTORS = {"delimited": inspect_delimited, "denue": inspect_denue}


def scan_inspected(file: DelimitedFile) -> pl.LazyFrame:
    """An inspected file's rows as its adapter gives them (read_delimited, read_denue)."""
    frame = scan_delimited(file)
    return add_derived_columns(frame) if file.layout == "denue" else frame
