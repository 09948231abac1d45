"""Ingestion engine: catalogue entry + files -> validated contract rows + quarantine.

Pure functions over polars frames plus one function that writes a prepared load to
DuckDB in a single transaction. No Dagster imports: the assets in
``pipelines/defs/ingest`` only call these.

Flow for one entry and one partition (country x ref_year, or the whole reference entry):

1. every file is read by its adapter into text columns (a file that cannot be read at
   all raises :class:`InputFileError` before anything is written);
2. the entry's column mapping, constants and zero padding turn it into contract columns;
3. the contract's text rules run (pandera); failing rows become quarantine rows with
   the original row, the file, the line and every reason;
4. the remaining rows are cast and checked against the typed contract (blocking);
5. ``write_load`` deletes the partition's previous rows and inserts the new ones,
   landing and quarantine, in one transaction. Re-running a partition is idempotent.

``rows_read == rows_landed + rows_quarantined`` always holds, except for reference entries
marked ``deduplicate: true`` (code lists that repeat a code once per link), where
``duplicates_merged`` counts the rows identical to an earlier one in every contract field.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandera.polars as pa
import polars as pl

from pipelines.catalogue import CatalogueEntry, SourceFile
from pipelines.contracts import CONTRACTS, Contract
from pipelines.errors import ContractViolation, InputFileError
from pipelines.paths import display
from pipelines.sources import LINE_COLUMN, read_source

SOURCE_FILE = "_source_file"
ORIGINAL = "_original_row"


@dataclass
class PreparedLoad:
    entry: CatalogueEntry
    country: str | None
    ref_year: int | None
    landed: pl.DataFrame
    quarantined: pl.DataFrame
    files: list[dict] = field(default_factory=list)

    duplicates_merged: int = 0
    seconds: float = 0.0

    @property
    def rows_read(self) -> int:
        return sum(f["rows"] for f in self.files)

    @property
    def reasons(self) -> dict[str, int]:
        """How many rows each kind of reason sent to quarantine (the value part stripped)."""
        counts: Counter[str] = Counter()
        for reason in self.quarantined.get_column("reason").to_list():
            for part in reason.split("; "):
                counts[_reason_kind(part)] += 1
        return dict(counts.most_common())

    def summary(self) -> dict:
        return {
            "entry": self.entry.name,
            "table": self.entry.contract.table,
            "country": self.country,
            "ref_year": self.ref_year,
            "rows_read": self.rows_read,
            "rows_landed": self.landed.height,
            "rows_quarantined": self.quarantined.height,
            "duplicates_merged": self.duplicates_merged,
            "seconds": round(self.seconds, 3),
            "quarantine_reasons": self.reasons,
            "files": self.files,
        }


def _reason_kind(reason: str) -> str:
    # "area_code '1001' does not match ..." -> "area_code does not match ..."
    head, _, rest = reason.partition(" '")
    if rest and "' " in rest:
        return f"{head} {rest.split(chr(39) + ' ', 1)[1]}"
    return reason


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def entry_hint(entry: CatalogueEntry) -> str:
    return display(entry.yaml_path) if entry.yaml_path else f"assets/{entry.name}.yaml"


def read_file(entry: CatalogueEntry, source: SourceFile) -> pl.DataFrame:
    """Adapter output mapped onto the contract's fields (all text) + line + original row."""
    mapped_sources = list(entry.columns.values())
    raw = read_source(
        entry.adapter,
        source.path,
        encoding=entry.encoding,
        delimiter=entry.delimiter,
        required_columns=mapped_sources,
        entry_hint=entry_hint(entry),
        **entry.options,
    )
    source_cols = [c for c in raw.columns if c != LINE_COLUMN]
    header = {i + 1: name for i, name in enumerate(source_cols)}
    original = pl.struct([pl.col(c) for c in source_cols]).struct.json_encode().alias(ORIGINAL)

    exprs: list[pl.Expr] = []
    contract = entry.contract
    for f in contract.fields:
        if f.name in entry.columns:
            src = entry.columns[f.name]
            src_name = header[src] if isinstance(src, int) else src
            expr = pl.col(src_name).cast(pl.String)
        elif f.name in entry.constants:
            value = entry.constants[f.name]
            expr = pl.lit(None if value is None else str(value), dtype=pl.String)
        elif f.name == "country" and entry.country:
            expr = pl.lit(entry.country, dtype=pl.String)
        elif f.name == "ref_year" and source.ref_year is not None:
            expr = pl.lit(str(source.ref_year), dtype=pl.String)
        elif f.name in raw.columns and not entry.columns:
            expr = pl.col(f.name).cast(pl.String)
        else:
            expr = pl.lit(None, dtype=pl.String)
        if f.name in entry.recode:
            table = {k: v for k, v in entry.recode[f.name].items() if k is not None}
            empty = entry.recode[f.name].get(None)
            expr = (
                pl.when(expr.is_null())
                .then(pl.lit(empty, dtype=pl.String))
                .otherwise(expr.replace(table))
            )
        if f.name in entry.zero_pad:
            expr = expr.str.zfill(entry.zero_pad[f.name])
        exprs.append(expr.alias(f.name))
    frame = raw.select(
        *exprs,
        pl.col(LINE_COLUMN).alias("source_line"),
        pl.lit(display(source.path)).alias(SOURCE_FILE),
        original,
    )
    return frame


def known_values(
    con: duckdb.DuckDBPyConnection | None, entry: CatalogueEntry, ref_year: int | None
) -> dict[str, tuple[set[str], str]]:
    """Allowed values for the entry's referential rules, read from the reference schema."""
    allowed: dict[str, tuple[set[str], str]] = {}
    if ref_year is not None and "ref_year" not in entry.constants:
        allowed["ref_year"] = ({str(ref_year)}, f"the partition year {ref_year}")
    if con is None:
        return allowed
    for column, target in entry.references.items():
        if target == "areas":
            country = entry.constants.get("country") or entry.country
            rows = con.execute(
                "SELECT area_code FROM reference.areas WHERE country = ?", [country]
            ).fetchall()
            allowed[column] = ({r[0] for r in rows}, f"reference.areas for {country}")
        elif target.startswith("employment_bands:"):
            band_system = target.split(":", 1)[1]
            rows = con.execute(
                "SELECT band_text FROM reference.employment_bands WHERE band_system = ?", [band_system]
            ).fetchall()
            allowed[column] = ({r[0] for r in rows}, f"reference.employment_bands for {band_system}")
        elif target == "industry_codes":
            system = entry.constants.get("industry_system")
            rows = con.execute(
                "SELECT industry_code FROM reference.industry_codes WHERE industry_system = ?", [system]
            ).fetchall()
            allowed[column] = ({r[0] for r in rows}, f"reference.industry_codes for {system}")
        else:
            raise ValueError(f"{entry_hint(entry)}: unknown reference target {target!r}")
        if not allowed[column][0]:
            raise InputFileError(
                entry.yaml_path or Path(entry.name),
                f"{allowed[column][1]} is empty, so no {column} can be checked",
                "Load the reference data first (crosscluster refresh does this).",
            )
    return allowed


def split_rows(
    frame: pl.DataFrame, contract: Contract, code_patterns: dict[str, str], allowed: dict
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows that pass the text rules, rows that fail them with a ``reason`` column)."""
    schema = contract.text_schema(code_patterns, allowed)
    indexed = frame.with_row_index("_idx")
    try:
        schema.validate(indexed, lazy=True)
        return indexed.drop("_idx"), indexed.head(0).drop("_idx").with_columns(reason=pl.lit(""))
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    key = ", ".join(contract.key)
    reasons: dict[int, list[str]] = {}
    unexpected = []
    for row in cases.iter_rows(named=True):
        idx, column, check, value = row["index"], row["column"], row["check"], row["failure_case"]
        if idx is None:
            unexpected.append(row)
            continue
        if check == "multiple_fields_uniqueness" or (check or "").startswith("field_uniqueness"):
            text = f"duplicated key ({key}): every copy is quarantined"
        elif check == "not_nullable":
            text = f"{column} is empty but required"
        elif column is None and (check or "").startswith("has none of"):
            text = f"the row {check}"
        else:
            text = f"{column} '{value}' {check}"
        bucket = reasons.setdefault(int(idx), [])
        if text not in bucket:
            bucket.append(text)
    if unexpected:
        raise ContractViolation(f"{contract.name}: schema-level failures {unexpected[:3]}")
    bad = pl.DataFrame(
        {"_idx": list(reasons), "reason": ["; ".join(v) for v in reasons.values()]},
        schema={"_idx": pl.UInt32, "reason": pl.String},
    )
    rejected = indexed.join(bad, on="_idx", how="inner").sort("_idx").drop("_idx")
    kept = indexed.join(bad, on="_idx", how="anti").drop("_idx")
    return kept, rejected


def prepare_load(
    entry: CatalogueEntry,
    files: list[SourceFile],
    allowed: dict[str, tuple[set[str], str]],
    *,
    country: str | None = None,
    ref_year: int | None = None,
) -> PreparedLoad:
    contract = entry.contract
    frames, file_info = [], []
    for source in files:
        frame = read_file(entry, source)
        sha = sha256_of(source.path)
        frames.append(frame.with_columns(pl.lit(sha).alias("source_sha256")))
        file_info.append({"path": display(source.path), "sha256": sha, "rows": frame.height})
    duplicates = 0
    if frames:
        combined = pl.concat(frames, how="vertical")
        if entry.deduplicate:
            before = combined.height
            combined = combined.unique(subset=contract.field_names, keep="first", maintain_order=True)
            duplicates = before - combined.height
    else:
        combined = pl.DataFrame(
            schema={**{f: pl.String for f in contract.field_names}, "source_line": pl.Int64,
                    SOURCE_FILE: pl.String, ORIGINAL: pl.String, "source_sha256": pl.String}
        )
    kept, rejected = split_rows(combined, contract, entry.code_patterns, allowed)

    landed = contract.cast(kept)
    try:
        contract.typed_schema().validate(landed, lazy=True)
    except pa.errors.SchemaErrors as exc:
        raise ContractViolation(
            f"{contract.table}: rows that passed the row rules break the typed contract:\n{exc.failure_cases}"
        ) from exc
    now = datetime.now(UTC)
    landed = landed.select(
        *contract.field_names,
        pl.lit(entry.name).alias("catalogue_entry"),
        pl.col(SOURCE_FILE).alias("source_file"),
        "source_sha256",
        "source_line",
        pl.lit(entry.is_synthetic).alias("is_synthetic"),
        pl.lit(now).alias("loaded_at"),
    )
    quarantined = rejected.select(
        pl.lit(entry.name).alias("catalogue_entry"),
        pl.lit(country, dtype=pl.String).alias("country"),
        pl.lit(ref_year, dtype=pl.Int32).alias("ref_year"),
        pl.col(SOURCE_FILE).alias("source_file"),
        "source_line",
        "reason",
        pl.col(ORIGINAL).alias("original_row"),
        pl.lit(now).alias("quarantined_at"),
    )
    return PreparedLoad(entry, country, ref_year, landed, quarantined, file_info, duplicates)


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    for schema in ("landing", "reference", "quarantine"):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    for c in CONTRACTS.values():
        con.execute(c.ddl())
        con.execute(c.quarantine_ddl())


def write_load(con: duckdb.DuckDBPyConnection, load: PreparedLoad) -> None:
    """Replace the partition's rows (landing and quarantine) in one transaction."""
    contract = load.entry.contract
    where, params = "catalogue_entry = ?", [load.entry.name]
    if load.entry.is_partitioned:
        where += " AND country = ? AND ref_year = ?"
        params += [load.country, load.ref_year]
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM {contract.table} WHERE {where}", params)
        con.execute(f"DELETE FROM quarantine.{contract.name} WHERE {where}", params)
        con.register("_landed", load.landed.to_arrow())
        con.register("_quarantined", load.quarantined.to_arrow())
        con.execute(f"INSERT INTO {contract.table} BY NAME SELECT * FROM _landed")
        con.execute(f"INSERT INTO quarantine.{contract.name} BY NAME SELECT * FROM _quarantined")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        for view in ("_landed", "_quarantined"):
            try:
                con.unregister(view)
            except Exception:
                pass


def run_entry(
    con: duckdb.DuckDBPyConnection,
    entry: CatalogueEntry,
    files: list[SourceFile],
    *,
    country: str | None = None,
    ref_year: int | None = None,
) -> PreparedLoad:
    """Prepare (all reading and validation, nothing written) then write."""
    started = time.perf_counter()
    ensure_tables(con)
    load = prepare_load(entry, files, known_values(con, entry, ref_year), country=country, ref_year=ref_year)
    write_load(con, load)
    load.seconds = time.perf_counter() - started
    return load
