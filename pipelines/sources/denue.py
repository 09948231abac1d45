"""INEGI DENUE establishment extracts (the column layout of DENUE downloads).

Full extracts carry ``codigo_act`` (SCIAN), ``cve_ent`` and ``cve_mun``; some extracts
(like the bundled real fixture) carry only ``clee``, the establishment key, whose digits
1-2 are the state, 3-5 the municipality and 6-11 the SCIAN class. Missing columns are
derived from ``clee``; ``area_code`` is always added as state + municipality (5 digits),
the key of INEGI's municipality list. Employment stays a band (``per_ocu``): the
conversion to employees is a rule in ``raw/reference/employment_bands``.

The derived columns are defined once (``CLEE_PARTS``, ``AREA_CODE_PARTS``) and written both as polars
expressions (``add_derived_columns``, the frame path) and as SQL (``derived_sql``, the DuckDB engine of
``pipelines/landing_sql.py``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl

from pipelines.errors import InputFileError
from pipelines.sources.delimited import DelimitedFile, inspect_delimited, scan_delimited

# The columns of a full DENUE extract that give the SCIAN class, the state and the municipality.
FULL_LAYOUT = ("codigo_act", "cve_ent", "cve_mun")
# Where each of them sits in clee when the extract lacks it: (offset, length), 0-based.
CLEE_PARTS = {"codigo_act": (5, 6), "cve_ent": (0, 2), "cve_mun": (2, 3)}
# area_code: the state and the municipality, each left-padded with zeros to its width.
AREA_CODE_PARTS = (("cve_ent", 2), ("cve_mun", 3))
DERIVED = {*FULL_LAYOUT, "area_code"}


def inspect_denue(
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
    """The delimited file's whole-file checks, and the DENUE layout: the full one or clee."""
    file = inspect_delimited(
        path,
        encoding=encoding,
        delimiter=delimiter,
        required_columns=[c for c in (required_columns or []) if c not in DERIVED],
        entry_hint=entry_hint,
        encoding_at=encoding_at,
        workdir=workdir,
    )
    columns = file.names
    full = [c for c in FULL_LAYOUT if c in columns]
    if len(full) < len(FULL_LAYOUT) and "clee" not in columns:
        absent = ", ".join(c for c in FULL_LAYOUT if c not in columns)
        raise InputFileError(
            path,
            f"the file has neither the full DENUE layout ({', '.join(FULL_LAYOUT)}; {absent} missing) nor the "
            "compact one (clee, the establishment key)",
            "Export the DENUE extract with its codigo_act, cve_ent and cve_mun columns, or with clee.",
            line=1,
        )
    return dataclasses.replace(file, layout="denue")


def derived_columns(columns: list[str]) -> list[str]:
    """The columns added to a file's own, in order: the full layout's missing ones, then area_code (which
    replaces a column of that name in place)."""
    return [c for c in FULL_LAYOUT if c not in columns] + ["area_code"]


def add_derived_columns(frame: pl.LazyFrame) -> pl.LazyFrame:
    columns = frame.collect_schema().names()
    clee = pl.col("clee")
    additions = [clee.str.slice(*CLEE_PARTS[c]).alias(c) for c in FULL_LAYOUT if c not in columns]
    frame = frame.with_columns(additions)
    area = [pl.col(c).str.zfill(width) for c, width in AREA_CODE_PARTS]
    return frame.with_columns((area[0] + area[1]).alias("area_code"))


def derived_sql(columns: list[str], column_sql, zfill_sql) -> dict[str, str]:
    """SQL of the derived columns over the file's columns (``column_sql(name)`` names one; ``zfill_sql(expr, n)``
    pads like polars' zfill), in the order of ``derived_columns``."""
    out = {}
    for c in FULL_LAYOUT:
        if c not in columns:
            offset, length = CLEE_PARTS[c]
            out[c] = f"substr({column_sql('clee')}, {offset + 1}, {length})"
    parts = [zfill_sql(out.get(c) or column_sql(c), width) for c, width in AREA_CODE_PARTS]
    out["area_code"] = f"({parts[0]} || {parts[1]})"
    return out


def read_denue(path: Path, **options) -> pl.LazyFrame:
    """The file's rows (read_delimited) with the derived columns; ``options`` are those of :func:`inspect_denue`."""
    return add_derived_columns(scan_delimited(inspect_denue(path, **options)))
