"""Asset factory: one asset per catalogue entry in assets/.

Reference entries are unpartitioned assets ``reference/<entry>``; statistics entries are
``landing/<entry>`` partitioned by the reference years of their country that have files
(pipelines/defs/partitions.py). Each asset is a thin shell
over :func:`pipelines.ingest.run_entry`: it finds the files, loads them and reports row
counts, quarantine reasons and file hashes as metadata, plus a blocking contract check.
"""

import dagster as dg

from pipelines.catalogue import CatalogueEntry
from pipelines.defs.partitions import WAREHOUSE_POOL, country_partitions
from pipelines.ingest import LoadReport, run_entry
from pipelines.paths import project_paths
from pipelines.refresh_lock import ensure_writer_may_run
from pipelines.warehouse import connect

CONTRACT_CHECK = "contract"


def ingest_asset_key(entry: CatalogueEntry) -> dg.AssetKey:
    return dg.AssetKey(["landing" if entry.is_partitioned else "reference", entry.name])


def _metadata(load: LoadReport) -> dict:
    s = load.summary()
    return {
        "dagster/table_name": dg.MetadataValue.text(s["table"]),
        "dagster/row_count": dg.MetadataValue.int(s["rows_landed"]),
        "rows_read": dg.MetadataValue.int(s["rows_read"]),
        "rows_landed": dg.MetadataValue.int(s["rows_landed"]),
        "rows_quarantined": dg.MetadataValue.int(s["rows_quarantined"]),
        "duplicates_merged": dg.MetadataValue.int(s["duplicates_merged"]),
        "seconds": dg.MetadataValue.float(s["seconds"]),
        "quarantine_reasons": dg.MetadataValue.json(s["quarantine_reasons"]),
        "files": dg.MetadataValue.json(s["files"]),
    }


def _check_result(key: dg.AssetKey, load: LoadReport) -> dg.AssetCheckResult:
    # Reaching this point means the typed contract held (a violation raises, failing the
    # asset and blocking everything downstream). Quarantined rows are a warning.
    quarantined = load.rows_quarantined
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=CONTRACT_CHECK,
        passed=quarantined == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "rows_read": load.rows_read,
            "rows_quarantined": quarantined,
            "quarantine_table": f"quarantine.{load.entry.contract.name}",
            "reasons": dg.MetadataValue.json(load.reasons),
        },
    )


def build_ingest_asset(entry: CatalogueEntry, upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    key = ingest_asset_key(entry)

    @dg.asset(
        key=key,
        deps=upstream,
        group_name="landing" if entry.is_partitioned else "reference",
        partitions_def=country_partitions(entry.country) if entry.is_partitioned else None,
        # A year of the country for which this entry has no file: nothing is landed and nothing materialized.
        output_required=False,
        pool=WAREHOUSE_POOL,
        kinds={"duckdb", "polars"},
        description=f"{entry.title}. Loads {entry.contract.table} through assets/{entry.name}.yaml.",
        metadata={
            "contract": entry.contract.name,
            "publisher": entry.publisher,
            "licence": entry.licence,
            "provenance": entry.provenance,
            "is_synthetic": entry.is_synthetic,
        },
        check_specs=[
            dg.AssetCheckSpec(
                CONTRACT_CHECK, asset=key, blocking=True, description="pandera row rules and typed contract"
            )
        ],
    )
    def _ingest(context: dg.AssetExecutionContext):
        paths = project_paths()
        paths.ensure()
        ensure_writer_may_run(paths, context.run.tags)
        country = ref_year = None
        if entry.is_partitioned:
            country, ref_year = entry.country, int(context.partition_key)
            files = entry.find_files(paths, ref_year)
        else:
            files = entry.find_files(paths)
        if not files:
            where = f"for {country} {ref_year} " if entry.is_partitioned else ""
            message = f"{entry.name}: no input file {where}matches {entry.pattern} under {entry.base_dir(paths)}"
            if entry.is_partitioned:
                context.log.info(f"{message}: nothing to land, no materialization")
                return
            # Reference inputs in the input folder (an office's own labour-market-area map) are optional.
            optional = entry.root == "raw"
            (context.log.info if optional else context.log.warning)(message)
        con = connect(paths)
        try:
            load = run_entry(con, entry, files, country=country, ref_year=ref_year)
        finally:
            con.close()
        context.log.info(
            f"{entry.name}: read {load.rows_read:,} rows, landed {load.rows_landed:,}, "
            f"quarantined {load.rows_quarantined:,}"
        )
        yield dg.MaterializeResult(metadata=_metadata(load))
        yield _check_result(key, load)

    return _ingest


def build_ingest_assets(entries: list[CatalogueEntry]) -> list[dg.AssetsDefinition]:
    by_contract: dict[str, list[dg.AssetKey]] = {}
    for e in entries:
        if not e.is_partitioned:
            by_contract.setdefault(e.contract.name, []).append(ingest_asset_key(e))
    assets = []
    for e in entries:
        # A reference target may name a subset ("employment_bands:DENUE"): depend on the contract.
        targets = {t.split(":", 1)[0] for t in e.references.values()}
        upstream = [k for target in sorted(targets) for k in by_contract.get(target, [])]
        assets.append(build_ingest_asset(e, upstream))
    return assets
