"""Partitions of the statistics assets: country x reference year.

Dagster orders multi-partition dimensions alphabetically, so keys read ``US|2021``.
Countries come from the catalogue (a new country's YAML adds its partition); years are
a fixed range wide enough for census and register years.
"""

from __future__ import annotations

import dagster as dg

from pipelines.catalogue import CatalogueEntry

FIRST_YEAR, LAST_YEAR = 2000, 2035
WAREHOUSE_POOL = "warehouse_writer"


def country_year_partitions(entries: list[CatalogueEntry]) -> dg.MultiPartitionsDefinition:
    countries = sorted({e.country for e in entries if e.is_partitioned and e.country} | {"IT", "MX", "US"})
    return dg.MultiPartitionsDefinition(
        {
            "country": dg.StaticPartitionsDefinition(countries),
            "ref_year": dg.StaticPartitionsDefinition([str(y) for y in range(FIRST_YEAR, LAST_YEAR + 1)]),
        }
    )


def partition_key(country: str, ref_year: int) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"country": country, "ref_year": str(ref_year)})
