"""Partitions of the statistics assets: for each country, the reference years that have input files.

A country's statistics assets share one dynamic partitions definition, ``<country>_years`` (``it_years``:
``2016``, ``2021``), whose keys are registered from what the catalogue finds in the input folder: by
``crosscluster refresh`` before it runs, and by the sensor on raw/ when a file lands. The UI therefore shows
only years that exist, and a run selects only the assets that have files for its year (an asset with no file
for a year materializes nothing).
"""

from __future__ import annotations

import dagster as dg

WAREHOUSE_POOL = "warehouse_writer"


def partitions_name(country: str) -> str:
    return f"{country.lower()}_years"


def country_partitions(country: str) -> dg.DynamicPartitionsDefinition:
    return dg.DynamicPartitionsDefinition(name=partitions_name(country))


def partition_key(ref_year: int) -> str:
    return str(ref_year)


def register_partitions(instance: dg.DagsterInstance, found: dict[str, set[int]]) -> dict[str, list[str]]:
    """Add the years found per country to the instance's dynamic partitions; return the keys added."""
    added = {}
    for country, years in sorted(found.items()):
        name = partitions_name(country)
        known = set(instance.get_dynamic_partitions(name))
        new = sorted(partition_key(y) for y in years if partition_key(y) not in known)
        if new:
            instance.add_dynamic_partitions(name, new)
            added[country] = new
    return added
