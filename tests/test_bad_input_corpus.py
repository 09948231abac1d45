"""The bad-input corpus (tests/fixtures/bad_inputs, 50+ files across the CBP, ASIA-style, DENUE and generic
adapters): each file gets the outcome written next to it in expected.yaml, worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from pipelines.catalogue import SourceFile
from pipelines.errors import InputFileError
from pipelines.ingest import run_entry

CORPUS = Path(__file__).parent / "fixtures" / "bad_inputs"
CASES = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
REF_YEAR = 2021


def test_the_corpus_is_large_and_covers_every_adapter(catalogue):
    assert len(CASES) >= 40
    assert {catalogue[c["entry"]].adapter for c in CASES} >= {"delimited", "denue"}
    assert {c["entry"] for c in CASES} >= {"us_cbp_county", "it_asia_ul", "mx_denue", "mx_exports"}
    assert {c["outcome"] for c in CASES} == {"rejected", "quarantined", "loaded"}
    for case in CASES:
        assert (CORPUS / case["file"]).is_file(), case["file"]


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_bad_input(case, catalogue, warehouse_con, tmp_path):
    entry = catalogue[case["entry"]]
    source = SourceFile(CORPUS / case["file"], REF_YEAR)
    table, scope = entry.contract.table, [entry.name]

    if case["outcome"] == "rejected":
        with pytest.raises(InputFileError) as info:
            run_entry(warehouse_con, entry, [source], country=entry.country, ref_year=REF_YEAR)
        message = str(info.value)
        assert Path(case["file"]).name in message  # the file is named
        for part in case["message"]:
            assert part in message, message
        # Nothing of a rejected file is written.
        assert warehouse_con.execute(f"select count(*) from {table} where catalogue_entry = ?", scope).fetchone()[0] == 0
        assert warehouse_con.execute(
            f"select count(*) from quarantine.{entry.contract.name} where catalogue_entry = ?", scope
        ).fetchone()[0] == 0
        return

    load = run_entry(warehouse_con, entry, [source], country=entry.country, ref_year=REF_YEAR)
    # Nothing is dropped silently: every row read is landed or quarantined.
    assert load.rows_read == load.rows_landed + load.rows_quarantined
    assert load.rows_landed == case["landed"]
    quarantined = warehouse_con.execute(
        f"select source_line, reason, original_row from quarantine.{entry.contract.name} "
        "where catalogue_entry = ? order by source_line",
        scope,
    ).fetchall()
    expected_lines = {int(k): v for k, v in (case.get("lines") or {}).items()}
    assert [line for line, _, _ in quarantined] == sorted(expected_lines)
    for line, reason, original in quarantined:
        assert expected_lines[line] in reason, (line, reason)
        # The quarantined row is the file's line: its fields by header name, or its text.
        row = json.loads(original)
        physical = (CORPUS / case["file"]).read_bytes().splitlines()[line - 1]
        if "line" in row:
            assert row["line"].encode() == physical.strip()
        elif not reason.startswith("duplicated key"):
            values = [v for v in row.values() if v]
            decoded = physical.decode("utf-8", errors="replace") + physical.decode("latin-1")
            assert all(v in decoded for v in values), (row, physical)
    landed_lines = [r[0] for r in warehouse_con.execute(
        f"select source_line from {table} where catalogue_entry = ? order by 1", scope).fetchall()]
    assert set(landed_lines).isdisjoint(expected_lines)
