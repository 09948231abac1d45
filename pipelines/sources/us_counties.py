"""U.S. counties with their state and BEA Economic Area (the U.S. labour-market area).

Input: ``county_to_economic_area.csv`` (county_fips, county_name, economic_area_name)
and a state list (state_fips, state_usps, state_name). Economic Areas have no code in
the source; the code is ``EA`` plus the first six hex digits of the SHA-1 of the name,
so that it is stable for as long as the name is.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl

from pipelines.errors import InputFileError
from pipelines.sources.delimited import PROBLEM_COLUMN, RAW_LINE_COLUMN, read_delimited


def economic_area_code(name: str | None) -> str | None:
    if name is None:
        return None
    return "EA" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:6]


def read_us_counties(
    path: Path,
    *,
    states_file: str,
    encoding: str | tuple[str, ...] = "utf-8",
    entry_hint: str = "the catalogue entry",
    encoding_at: str | None = None,
    workdir: Path | None = None,
    **_: object,
) -> pl.LazyFrame:
    counties = read_delimited(
        path,
        encoding=encoding,
        required_columns=["county_fips", "county_name", "economic_area_name"],
        entry_hint=entry_hint,
        encoding_at=encoding_at,
        workdir=workdir,
    ).collect()
    states_path = Path(path).parent.parent / states_file
    if not states_path.exists():
        raise InputFileError(
            states_path, "the state list is missing", f"Restore it or fix `options: states_file` in {entry_hint}."
        )
    states = (
        read_delimited(states_path, required_columns=["state_fips", "state_usps", "state_name"], entry_hint=entry_hint)
        .drop("_line", PROBLEM_COLUMN, RAW_LINE_COLUMN)
        .collect()
    )
    ea_names = counties.get_column("economic_area_name")
    return (
        counties.with_columns(
            pl.col("county_fips").str.slice(0, 2).alias("state_fips"),
            pl.Series("lma_code", [economic_area_code(n) for n in ea_names], dtype=pl.String),
        )
        .join(states, on="state_fips", how="left")
        .with_columns(
            pl.when(pl.col("state_usps").is_not_null())
            .then(pl.col("county_name") + ", " + pl.col("state_usps"))
            .otherwise(pl.col("county_name"))
            .alias("area_name"),
        )
        .select(
            pl.col("county_fips").alias("area_code"),
            "area_name",
            "lma_code",
            pl.col("economic_area_name").alias("lma_name"),
            pl.col("state_fips").alias("region_code"),
            pl.col("state_name").alias("region_name"),
            "_line",
            PROBLEM_COLUMN,
            RAW_LINE_COLUMN,
        )
        .sort("_line")
        .lazy()
    )
