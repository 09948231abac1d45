"""Registers landed by DuckDB (pipelines/landing_sql.py) give what the frame path gives: every file of the
bad-input corpus of a delimited or DENUE entry is loaded both ways into two copies of one warehouse, and the landed rows
and the quarantine (line, reason, original row) are compared; the plausibility rules and a generated register
are checked the same way."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from pipelines.catalogue import SourceFile
from pipelines.errors import InputFileError
from pipelines.ingest import run_entry
from tests.test_bad_input_corpus import CASES, CORPUS, REF_YEAR

FRAME, DUCKDB = 1 << 62, 0  # sql_min_bytes: never, always
DELIMITED = [c for c in CASES if c["entry"] in ("it_asia_ul", "us_cbp_county", "mx_exports", "mx_denue")]


@pytest.fixture()
def two_warehouses(reference_db, tmp_path):
    cons = []
    for name in ("frame", "duckdb"):
        copy = tmp_path / f"{name}.duckdb"
        shutil.copy(reference_db, copy)
        cons.append(duckdb.connect(str(copy)))
    yield cons
    for con in cons:
        con.close()


def _content(con, entry):
    contract = entry.contract
    fields = ", ".join(f'"{f}"' for f in contract.field_names)
    landed = con.execute(f"select source_line, {fields} from {contract.table} order by source_line").fetchall()
    quarantined = [
        (line, reason, json.loads(original))
        for line, reason, original in con.execute(
            f"select source_line, reason, original_row from quarantine.{contract.name} order by source_line, reason"
        ).fetchall()
    ]
    return landed, quarantined


def _load(con, entry, source, sql_min_bytes):
    try:
        return run_entry(con, entry, [source], country=entry.country, ref_year=REF_YEAR, sql_min_bytes=sql_min_bytes)
    except InputFileError as exc:
        return str(exc)


def test_the_corpus_has_delimited_files_of_every_kind(catalogue):
    assert {catalogue[c["entry"]].adapter for c in DELIMITED} == {"delimited", "denue"}
    assert {c["outcome"] for c in DELIMITED} == {"rejected", "quarantined", "loaded"}


@pytest.mark.parametrize("case", DELIMITED, ids=[c["file"] for c in DELIMITED])
def test_duckdb_lands_what_the_frame_path_lands(case, catalogue, two_warehouses):
    entry = catalogue[case["entry"]]
    source = SourceFile(CORPUS / case["file"], REF_YEAR)
    frame_con, duckdb_con = two_warehouses
    by_frame = _load(frame_con, entry, source, FRAME)
    by_duckdb = _load(duckdb_con, entry, source, DUCKDB)
    if isinstance(by_frame, str):
        assert by_duckdb == by_frame  # a whole-file error is the same error
        return
    assert [f["engine"] for f in by_frame.files] == ["frame"]
    # A file with rows that do not fit its header is read by the frame path whatever its size.
    regular = not any("fields" in r or "truncated" in r or "line break" in r
                      for r in (case.get("lines") or {}).values())
    assert [f["engine"] for f in by_duckdb.files] == (["duckdb"] if regular else ["frame"])
    assert _content(duckdb_con, entry) == _content(frame_con, entry)
    assert (by_duckdb.rows_read, by_duckdb.rows_landed, by_duckdb.rows_quarantined, by_duckdb.reasons) == (
        by_frame.rows_read, by_frame.rows_landed, by_frame.rows_quarantined, by_frame.reasons)


def test_a_generated_register_with_faults_lands_the_same_both_ways(catalogue, two_warehouses, tmp_path):
    """A synthetic Italian register of 20,000 units (crosscluster generate), with faults written into some of its
    rows, loaded both ways: the same rows land, the same rows go to quarantine with the same reasons."""
    from pipelines.generate import generate

    generate("IT", 20_000, [REF_YEAR], seed=7, out=tmp_path / "raw")
    (register,) = (tmp_path / "raw" / "it" / "asia_ul" / str(REF_YEAR)).glob("*.csv")
    lines = register.read_text(encoding="cp1252").splitlines()
    header = lines[0].split(";")
    faults = {
        header.index("addetti"): ["-3", "12,5", "", "1000000"],  # negative, decimal comma, empty, implausible
        header.index("codice_comune"): ["999999", "1001"],  # unknown municipality, lost leading zero
        header.index("anno_inizio"): ["3021", "21"],  # after the reference year, not a year
    }
    faulty = 0
    for column, values in faults.items():
        for i, value in enumerate(values):
            row = 100 + 997 * (column + 1) + 31 * i
            cells = lines[row].split(";")
            cells[column] = value
            lines[row] = ";".join(cells)
            faulty += 1
    lines[5000] = lines[4000]  # a duplicated unit
    register.write_text("\n".join(lines) + "\n", encoding="cp1252")
    entry = catalogue["it_asia_ul"]
    source = SourceFile(register, REF_YEAR)
    frame_con, duckdb_con = two_warehouses
    by_frame = _load(frame_con, entry, source, FRAME)
    by_duckdb = _load(duckdb_con, entry, source, DUCKDB)
    assert [f["engine"] for f in by_duckdb.files] == ["duckdb"]
    assert by_frame.rows_quarantined >= faulty + 2
    assert _content(duckdb_con, entry) == _content(frame_con, entry)
    assert by_duckdb.reasons == by_frame.reasons


def test_the_bundled_denue_rows_land_the_same_both_ways(catalogue, two_warehouses):
    """The real DENUE rows of the sample (compact layout: SCIAN class, state and municipality from clee)."""
    from pipelines.paths import SAMPLE_RAW_DIR, ProjectPaths

    entry = catalogue["mx_denue"]
    files = entry.find_files(ProjectPaths(SAMPLE_RAW_DIR, SAMPLE_RAW_DIR))
    assert files
    frame_con, duckdb_con = two_warehouses
    for source in files:
        by_frame, by_duckdb = (
            run_entry(con, entry, [source], country=entry.country, ref_year=source.ref_year, sql_min_bytes=size)
            for con, size in ((frame_con, FRAME), (duckdb_con, DUCKDB)))
        assert [f["engine"] for f in by_duckdb.files] == ["duckdb"]
        assert by_frame.rows_landed > 0
        assert (by_duckdb.rows_landed, by_duckdb.rows_quarantined) == (by_frame.rows_landed, by_frame.rows_quarantined)
    assert _content(duckdb_con, entry) == _content(frame_con, entry)
