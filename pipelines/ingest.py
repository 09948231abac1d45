"""Ingestion engine: catalogue entry + files -> validated contract rows + quarantine.

Pure functions over polars frames plus DuckDB statements; no Dagster imports: the assets
in ``pipelines/defs/ingest`` only call :func:`run_entry`.

Flow for one entry and one partition (country x ref_year, or the whole reference entry):

1. every file is opened by its adapter, which checks what can be checked for the whole
   file first (encoding, delimiter, required columns, emptiness) and raises
   :class:`InputFileError` before anything is written;
2. the file is pulled in batches (a national register never sits in memory whole); the
   entry's column mapping, constants, recodes and zero padding turn each batch into
   contract columns;
3. in one transaction, the partition's previous rows (landing and quarantine) are deleted;
   then the contract's text rules run on each batch (pandera) and, on the rows cast to their types, its
   plausibility rules (``Contract.plausibility``): failing rows become quarantine rows with the whole
   original row, the file, the line and every reason; the others are checked against the typed contract
   (blocking) and appended;
4. across the whole load, rows that share a key are moved to quarantine (every copy; their
   original_row is the contract fields, the file and line point at the full row), and
   entries marked ``deduplicate`` merge rows identical in every contract field;
5. the transaction commits: a failure anywhere rolls it back and leaves the warehouse as it
   was, and re-running a partition is idempotent.

Steps 2 and 3 have a second engine for national registers: a delimited file of at least
``CROSSCLUSTER_SQL_LANDING_MIN_BYTES`` whose rows all fit its header is read once by DuckDB and
validated by SQL generated from the same contract and entry (``pipelines/landing_sql.py``), with the
same quarantine reasons, lines and rows; each file's report says which engine loaded it.

``rows_read == rows_landed + rows_quarantined + duplicates_merged``; only reference code
lists marked ``deduplicate: true`` have merged duplicates.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandera.polars as pa
import polars as pl

from pipelines.catalogue import CatalogueEntry, SourceFile, key_line
from pipelines.contracts import CONTRACTS, LINEAGE_COLUMNS, LOADS_DDL, SOURCE_FILES_DDL, Contract
from pipelines.errors import ContractViolation, InputFileError
from pipelines.landing_sql import land_file, lands_in_duckdb
from pipelines.paths import display
from pipelines.sources import INSPECTORS, LINE_COLUMN, read_source, scan_inspected
from pipelines.sources.delimited import PROBLEM_COLUMN, RAW_LINE_COLUMN, DelimitedFile

SOURCE_PREFIX = "_src:"


class WarehouseLayoutError(RuntimeError):
    """The warehouse file was built by a version with other table layouts."""


BATCH_ROWS = 250_000


@dataclass
class LoadReport:
    entry: CatalogueEntry
    country: str | None
    ref_year: int | None
    rows_landed: int = 0
    rows_quarantined: int = 0
    duplicates_merged: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    files: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    input_sha256: str = ""

    @property
    def rows_read(self) -> int:
        return sum(f["rows"] for f in self.files)

    def summary(self) -> dict:
        return {
            "entry": self.entry.name,
            "table": self.entry.contract.table,
            "country": self.country,
            "ref_year": self.ref_year,
            "rows_read": self.rows_read,
            "rows_landed": self.rows_landed,
            "rows_quarantined": self.rows_quarantined,
            "duplicates_merged": self.duplicates_merged,
            "seconds": round(self.seconds, 3),
            "quarantine_reasons": self.reasons,
            "files": self.files,
        }


def reason_kind(reason: str) -> str:
    """ "area_code '1001' does not match ..." -> "area_code does not match ..." (for summaries)."""
    if reason.startswith("implausible ("):
        return reason.split(":", 1)[0]
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


def entry_sha256(entry: CatalogueEntry) -> str:
    """Hash of how an entry is read: its catalogue YAML and the layout of its contract."""
    digest = hashlib.sha256()
    if entry.yaml_path is not None:
        digest.update(entry.yaml_path.read_bytes())
    digest.update(repr((entry.contract.name, entry.contract.field_names)).encode())
    return digest.hexdigest()


def input_sha256(entry: CatalogueEntry, files: list[tuple[str, str]]) -> str:
    """Hash of one load: the entry's definition and its files, as (name under the entry's folder, SHA-256).

    The same files under another input folder give the same hash; a renamed, added or changed file does not."""
    digest = hashlib.sha256(entry_sha256(entry).encode())
    for name, sha in sorted(files):
        digest.update(f"\n{name}\t{sha}".encode())
    return digest.hexdigest()


def relative_name(entry: CatalogueEntry, path: Path) -> str:
    """A file's name as the entry's pattern sees it (``it/banks/2016/sportelli_2016.csv``), whatever folder
    holds the inputs; the run's rule-set file (root ``rule_set``) by its file name."""
    depth = 1 if entry.root == "rule_set" else len(entry.pattern.split("/"))
    return "/".join(path.parts[-depth:])


def entry_hint(entry: CatalogueEntry) -> str:
    return display(entry.yaml_path) if entry.yaml_path else f"assets/{entry.name}.yaml"


def open_source(entry: CatalogueEntry, source: SourceFile, workdir: Path) -> pl.LazyFrame | DelimitedFile:
    """One file after its whole-file checks: a ``delimited`` or ``denue`` file inspected (its rows are read by
    DuckDB or scanned by polars, ``pipelines/landing_sql.py``), any other adapter's lazy frame."""
    options = dict(
        encoding=entry.encoding,
        delimiter=entry.delimiter,
        required_columns=list(entry.columns.values()),
        entry_hint=entry_hint(entry),
        encoding_at=encoding_at(entry),
        workdir=workdir,
    )
    if entry.adapter in INSPECTORS:
        return INSPECTORS[entry.adapter](source.path, **options)
    return read_source(entry.adapter, source.path, **options, **entry.options)


def encoding_at(entry: CatalogueEntry) -> str:
    """Where the entry's encoding is written: ``assets/x.yaml line 12``, or where to add it."""
    line = key_line(entry.yaml_path, "format", "encoding") if entry.yaml_path else None
    if line:
        return f"{entry_hint(entry)} line {line}"
    return f"{entry_hint(entry)} (add it under `format:`)"


def map_to_contract(entry: CatalogueEntry, source: SourceFile, raw: pl.LazyFrame) -> pl.LazyFrame:
    """Contract fields (all text) + source_line + the source columns (prefixed) for quarantine."""
    names = raw.collect_schema().names()
    source_cols = [c for c in names if c not in (LINE_COLUMN, PROBLEM_COLUMN, RAW_LINE_COLUMN)]
    header = {i + 1: name for i, name in enumerate(source_cols)}
    exprs: list[pl.Expr] = []
    for f in entry.contract.fields:
        if f.name in entry.columns:
            src = entry.columns[f.name]
            expr = pl.col(header[src] if isinstance(src, int) else src).cast(pl.String)
        elif f.name in entry.constants:
            value = entry.constants[f.name]
            expr = pl.lit(None if value is None else str(value), dtype=pl.String)
        elif f.name == "country" and entry.country:
            expr = pl.lit(entry.country, dtype=pl.String)
        elif f.name == "ref_year" and source.ref_year is not None:
            expr = pl.lit(str(source.ref_year), dtype=pl.String)
        elif f.name in source_cols and not entry.columns:
            expr = pl.col(f.name).cast(pl.String)
        else:
            expr = pl.lit(None, dtype=pl.String)
        if f.name in entry.recode:
            table = {k: v for k, v in entry.recode[f.name].items() if k is not None}
            empty = entry.recode[f.name].get(None)
            expr = pl.when(expr.is_null()).then(pl.lit(empty, dtype=pl.String)).otherwise(expr.replace(table))
        if f.name in entry.zero_pad:
            expr = expr.str.zfill(entry.zero_pad[f.name])
        exprs.append(expr.alias(f.name))
    structural = [
        pl.col(c) if c in names else pl.lit(None, dtype=pl.String).alias(c) for c in (PROBLEM_COLUMN, RAW_LINE_COLUMN)
    ]
    return raw.select(
        *exprs,
        pl.col(LINE_COLUMN).alias("source_line"),
        *structural,
        *[pl.col(c).alias(SOURCE_PREFIX + c) for c in source_cols],
    )


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
            rows = con.execute("SELECT area_code FROM reference.areas WHERE country = ?", [country]).fetchall()
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
    reasons: dict[int, list[str]] = {}
    if PROBLEM_COLUMN in frame.columns:
        # The row does not fit the file's header (or was cut): its fields cannot be trusted, nothing else is said.
        for idx, problem in indexed.filter(pl.col(PROBLEM_COLUMN).is_not_null()).select("_idx", PROBLEM_COLUMN).rows():
            reasons[int(idx)] = [problem]
    try:
        schema.validate(indexed.select("_idx", *contract.field_names), lazy=True)
        cases = None
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    if cases is None and not reasons:
        return frame, frame.head(0).with_columns(reason=pl.lit(""))
    malformed = set(reasons)
    unexpected = []
    for row in cases.iter_rows(named=True) if cases is not None else ():
        idx, column, check, value = row["index"], row["column"], row["check"], row["failure_case"]
        if idx is None:
            unexpected.append(row)
            continue
        if int(idx) in malformed:
            continue
        if check == "not_nullable":
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


def _original_rows(frame: pl.DataFrame) -> pl.Expr:
    """The row as the file has it: its fields by header name, or, for a row that does not fit the header,
    the text of its line (``{"line": ...}``)."""
    source_cols = [c for c in frame.columns if c.startswith(SOURCE_PREFIX)]
    fields = pl.struct([pl.col(c).alias(c[len(SOURCE_PREFIX) :]) for c in source_cols]).struct.json_encode()
    if RAW_LINE_COLUMN not in frame.columns:
        return fields.alias("original_row")
    line = pl.struct(pl.col(RAW_LINE_COLUMN).alias("line")).struct.json_encode()
    return pl.when(pl.col(RAW_LINE_COLUMN).is_not_null()).then(line).otherwise(fields).alias("original_row")


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    for schema in ("landing", "reference", "quarantine"):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    for c in CONTRACTS.values():
        con.execute(c.ddl())
        con.execute(c.quarantine_ddl())
        existing = [r[0] for r in con.execute(f"DESCRIBE {c.table}").fetchall()]
        expected = [*c.field_names, *LINEAGE_COLUMNS]
        if existing != expected:
            raise WarehouseLayoutError(
                f"{c.table} has columns {existing}, this version writes {expected}. The warehouse was built "
                "by another version: remove warehouse/warehouse.duckdb (it is rebuilt from raw/ by "
                "`crosscluster refresh`; published releases are not affected)."
            )
    con.execute(SOURCE_FILES_DDL)
    con.execute(LOADS_DDL)


def _write_batch(
    con: duckdb.DuckDBPyConnection,
    entry: CatalogueEntry,
    batch: pl.DataFrame,
    allowed: dict,
    lineage: dict,
    quarantine_lineage: dict,
    current_year: int,
) -> int:
    """Validate one batch; append its good rows to the landing table and the rest to quarantine."""
    contract = entry.contract
    kept, rejected = split_rows(batch, contract, entry.code_patterns, allowed)
    typed = contract.cast(kept)
    if contract.plausibility and typed.height:
        reasons = contract.implausible(typed, current_year)
        broken = reasons.is_not_null()
        if broken.any():
            implausible = kept.filter(broken).with_columns(reason=reasons.filter(broken))
            rejected = pl.concat([rejected, implausible], how="diagonal_relaxed")
            typed = typed.filter(~broken)
    landed = typed.select(*contract.field_names, "source_line")
    try:
        contract.typed_schema().validate(landed, lazy=True)
    except pa.errors.SchemaErrors as exc:
        raise ContractViolation(
            f"{contract.table}: rows that passed the row rules break the typed contract:\n{exc.failure_cases}"
        ) from exc
    landed = landed.with_columns(**{k: pl.lit(v) for k, v in lineage.items()})
    con.register("_batch_landed", landed.to_arrow())
    con.execute(f"INSERT INTO {contract.table} BY NAME SELECT * FROM _batch_landed")
    con.unregister("_batch_landed")
    if rejected.height:
        quarantined = rejected.select("source_line", "reason", _original_rows(rejected)).with_columns(
            **{k: pl.lit(v) for k, v in quarantine_lineage.items()}
        )
        con.register("_batch_quarantined", quarantined.to_arrow())
        con.execute(f"INSERT INTO quarantine.{contract.name} BY NAME SELECT * FROM _batch_quarantined")
        con.unregister("_batch_quarantined")
    return batch.height


def _scope(entry: CatalogueEntry, alias: str = "") -> str:
    """The rows of one load: the entry's rows, of one partition for statistics."""
    scope = f"{alias}catalogue_entry = ?"
    if entry.is_partitioned:
        scope += f" AND {alias}country = ? AND {alias}ref_year = ?"
    return scope


def _merge_and_flag_duplicates(
    con: duckdb.DuckDBPyConnection,
    entry: CatalogueEntry,
    scope: str,
    params: list,
    country: str | None,
    ref_year: int | None,
    now: datetime,
) -> int:
    """Merge identical rows (``deduplicate`` entries); quarantine every copy of a repeated key."""
    contract = entry.contract
    table = contract.table
    fields = ", ".join(f'"{f}"' for f in contract.field_names)
    merged = 0
    if entry.deduplicate:
        merged = con.execute(
            f"""
            DELETE FROM {table} WHERE rowid IN (
                SELECT rid FROM (
                    SELECT rowid AS rid,
                           row_number() OVER (PARTITION BY {fields} ORDER BY source_file_id, source_line) AS copy
                    FROM {table} WHERE {scope}
                ) WHERE copy > 1
            )
            """,
            params,
        ).fetchone()[0]
    key = ", ".join(f'"{k}"' for k in contract.key)
    key_text = ", ".join(contract.key)
    # Keys may hold NULLs (area_industry's size_class): NULL matches NULL here, as in GROUP BY.
    same_key = " AND ".join(f't."{k}" IS NOT DISTINCT FROM d."{k}"' for k in contract.key)
    fields_json = ", ".join(f"'{f}', CAST(t.\"{f}\" AS VARCHAR)" for f in contract.field_names)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _duplicate_rows AS
        SELECT t.rowid AS rid, t.*
        FROM {table} AS t
        INNER JOIN (
            SELECT {key} FROM {table} WHERE {scope} GROUP BY ALL HAVING count(*) > 1
        ) AS d ON {same_key}
        WHERE {_scope(entry, "t.")}
        """,
        params + params,
    )
    if con.execute("SELECT count(*) FROM _duplicate_rows").fetchone()[0]:
        con.execute(
            f"""
            INSERT INTO quarantine.{contract.name} BY NAME
            SELECT
                t.catalogue_entry, ?::VARCHAR AS country, ?::INTEGER AS ref_year, f.source_file, t.source_line,
                'duplicated key ({key_text}): every copy is quarantined (full row at this file and line)' AS reason,
                to_json(json_object({fields_json})) AS original_row,
                ?::TIMESTAMPTZ AS quarantined_at
            FROM _duplicate_rows AS t
            INNER JOIN landing.source_files AS f USING (source_file_id)
            """,
            [country, ref_year, now],
        )
        con.execute(f"DELETE FROM {table} WHERE rowid IN (SELECT rid FROM _duplicate_rows)")
    con.execute("DROP TABLE _duplicate_rows")
    return merged


def _write_batches(
    con: duckdb.DuckDBPyConnection,
    entry: CatalogueEntry,
    source: SourceFile,
    raw: pl.LazyFrame | DelimitedFile,
    allowed: dict,
    lineage: dict,
    quarantine_lineage: dict,
    current_year: int,
    batch_rows: int,
) -> int:
    """The frame path: the file's rows in batches through ``_write_batch``; returns the rows read."""
    frame = scan_inspected(raw) if isinstance(raw, DelimitedFile) else raw
    rows = 0
    try:
        batches = map_to_contract(entry, source, frame).collect_batches(chunk_size=batch_rows, lazy=True)
        for batch in batches:
            rows += _write_batch(con, entry, batch, allowed, lineage, quarantine_lineage, current_year)
    except pl.exceptions.PolarsError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputFileError(
            source.path,
            f"the rows cannot be parsed ({first})",
            "Check that every row has as many fields as the header and that quotes are balanced.",
        ) from None
    return rows


def run_entry(
    con: duckdb.DuckDBPyConnection,
    entry: CatalogueEntry,
    files: list[SourceFile],
    *,
    country: str | None = None,
    ref_year: int | None = None,
    batch_rows: int = BATCH_ROWS,
    sql_min_bytes: int | None = None,
) -> LoadReport:
    """Load one partition of one entry; see the module docstring. Delimited files of at least ``sql_min_bytes``
    (default: ``CROSSCLUSTER_SQL_LANDING_MIN_BYTES``) are landed by DuckDB (``pipelines/landing_sql.py``)."""
    started = time.perf_counter()
    contract = entry.contract
    ensure_tables(con)
    allowed = known_values(con, entry, ref_year)
    report = LoadReport(entry, country, ref_year)
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="crosscluster-load-") as workdir:
        # Whole-file checks for every file before anything is written.
        opened = [(source, open_source(entry, source, Path(workdir))) for source in files]
        con.execute("BEGIN TRANSACTION")
        try:
            scope = _scope(entry)
            params = [entry.name, country, ref_year] if entry.is_partitioned else [entry.name]
            con.execute(f"DELETE FROM {contract.table} WHERE {scope}", params)
            con.execute(f"DELETE FROM quarantine.{contract.name} WHERE {scope}", params)
            con.execute(f"DELETE FROM landing.source_files WHERE {scope}", params)
            con.execute(f"DELETE FROM landing.loads WHERE {scope}", params)
            hashed: list[tuple[str, str]] = []
            for source, raw in opened:
                sha = sha256_of(source.path)
                file_id = con.execute(
                    "SELECT coalesce(max(source_file_id), 0) + 1 FROM landing.source_files"
                ).fetchone()[0]
                con.execute(
                    "INSERT INTO landing.source_files VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)",
                    [file_id, entry.name, contract.table, country, ref_year, display(source.path), sha, now],
                )
                lineage = {
                    "catalogue_entry": entry.name,
                    "source_file_id": file_id,
                    "is_synthetic": entry.is_synthetic,
                    "loaded_at": now,
                }
                quarantine_lineage = {
                    "catalogue_entry": entry.name,
                    "country": country,
                    "ref_year": ref_year,
                    "source_file": display(source.path),
                    "quarantined_at": now,
                }
                if isinstance(raw, DelimitedFile) and lands_in_duckdb(raw, sql_min_bytes):
                    rows = land_file(con, entry, source, raw, allowed, lineage, quarantine_lineage, now.year)
                    engine = "duckdb"
                else:
                    rows = _write_batches(con, entry, source, raw, allowed, lineage, quarantine_lineage, now.year,
                                          batch_rows)
                    engine = "frame"
                con.execute("UPDATE landing.source_files SET rows_read = ? WHERE source_file_id = ?", [rows, file_id])
                report.files.append({"path": display(source.path), "sha256": sha, "rows": rows, "engine": engine})
                hashed.append((relative_name(entry, source.path), sha))
            report.duplicates_merged = _merge_and_flag_duplicates(con, entry, scope, params, country, ref_year, now)
            report.rows_landed = con.execute(f"SELECT count(*) FROM {contract.table} WHERE {scope}", params).fetchone()[
                0
            ]
            counts: Counter[str] = Counter()
            quarantined = 0
            for reason, n in con.execute(
                f"SELECT reason, count(*) FROM quarantine.{contract.name} WHERE {scope} GROUP BY reason", params
            ).fetchall():
                quarantined += n
                for part in reason.split("; "):
                    counts[reason_kind(part)] += n
            report.rows_quarantined = quarantined
            report.reasons = dict(counts.most_common())
            report.input_sha256 = input_sha256(entry, hashed)
            con.execute(
                "INSERT INTO landing.loads VALUES (?, ?, ?, ?, ?, ?)",
                [entry.name, country, ref_year, report.input_sha256, report.rows_landed, now],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    report.seconds = time.perf_counter() - started
    return report
