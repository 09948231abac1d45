"""The Dagster code location loads, with the layout and rules DESIGN.md asks for."""

from __future__ import annotations

import dagster as dg

from pipelines.catalogue import load_catalogue
from pipelines.defs.partitions import WAREHOUSE_POOL
from pipelines.publish import PUBLISHED_TABLES


def test_definitions_load_with_checks_pools_and_partitions():
    from pipelines.defs.transform.project import ensure_manifest

    ensure_manifest()
    from pipelines.definitions import defs, ingest_assets

    graph = defs.get_repository_def().asset_graph
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    for table in PUBLISHED_TABLES:
        assert f"marts/{table}" in keys
    assert "landing/us_cbp_county" in keys and "published/release" in keys
    assert len(ingest_assets) == len(load_catalogue())

    # dbt tests are asset checks, on the marts among others.
    checks = {k.asset_key.to_user_string() for k in graph.asset_check_keys}
    assert {"marts/districts", "marts/area_industry", "landing/us_cbp_county"} <= checks

    # Every asset that writes the warehouse is in the single-writer pool.
    for assets_def in [
        *ingest_assets,
        defs.resolve_assets_def(dg.AssetKey(["marts", "districts"])),
        defs.resolve_assets_def(dg.AssetKey(["published", "release"])),
    ]:
        assert assets_def.op.pool == WAREHOUSE_POOL

    # Statistics are partitioned by their country's years (dynamic: only years with files are keys); reference
    # data is not partitioned. The staging model reads every ingest asset of its table.
    for entry in load_catalogue():
        assets_def = defs.resolve_assets_def(dg.AssetKey(["landing" if entry.is_partitioned else "reference", entry.name]))
        if entry.is_partitioned:
            assert assets_def.partitions_def == dg.DynamicPartitionsDefinition(name=f"{entry.country.lower()}_years")
        else:
            assert assets_def.partitions_def is None
    parents = {
        k.to_user_string() for k in graph.get(dg.AssetKey(["staging", "stg_landing__area_industry"])).parent_keys
    }
    assert "landing/us_cbp_county" in parents
