"""INEGI DENUE establishment extracts (the column layout of DENUE downloads).

Full extracts carry ``codigo_act`` (SCIAN), ``cve_ent`` and ``cve_mun``; some extracts
(like the bundled real fixture) carry only ``clee``, the establishment key, whose digits
1-2 are the state, 3-5 the municipality and 6-11 the SCIAN class. Missing columns are
derived from ``clee``; ``area_code`` is always added as state + municipality (5 digits),
the key of INEGI's municipality list. Employment stays a band (``per_ocu``): the
conversion to employees is a rule in ``raw/reference/employment_bands``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipelines.errors import InputFileError
from pipelines.sources.delimited import read_delimited

# The columns of a full DENUE extract that give the SCIAN class, the state and the municipality.
FULL_LAYOUT = ("codigo_act", "cve_ent", "cve_mun")


def read_denue(
    path: Path,
    *,
    encoding: str | tuple[str, ...] = "utf-8",
    delimiter: str = ",",
    required_columns: list[str | int] | None = None,
    entry_hint: str = "the catalogue entry",
    encoding_at: str | None = None,
    workdir: Path | None = None,
    **_: object,
) -> pl.LazyFrame:
    derived = {"codigo_act", "cve_ent", "cve_mun", "area_code"}
    frame = read_delimited(
        path,
        encoding=encoding,
        delimiter=delimiter,
        required_columns=[c for c in (required_columns or []) if c not in derived],
        entry_hint=entry_hint,
        encoding_at=encoding_at,
        workdir=workdir,
    )
    columns = frame.collect_schema().names()
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
    clee = pl.col("clee")
    additions = []
    if "codigo_act" not in columns:
        additions.append(clee.str.slice(5, 6).alias("codigo_act"))
    if "cve_ent" not in columns:
        additions.append(clee.str.slice(0, 2).alias("cve_ent"))
    if "cve_mun" not in columns:
        additions.append(clee.str.slice(2, 3).alias("cve_mun"))
    frame = frame.with_columns(additions)
    return frame.with_columns((pl.col("cve_ent").str.zfill(2) + pl.col("cve_mun").str.zfill(3)).alias("area_code"))
