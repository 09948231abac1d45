"""Bad input: rows that break a rule go to quarantine with the reason; files that cannot be
read fail with a message naming the file, the problem and the fix, and change nothing."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from pipelines.catalogue import SourceFile
from pipelines.errors import InputFileError
from pipelines.ingest import run_entry
from tests.conftest import FIXTURES


def _reasons(con, contract):
    return con.execute(f"select source_line, reason from quarantine.{contract} order by source_line").fetchall()


HEADER = "Fips,Naics,Establishments,Employees,Payroll"
GOOD = [  # real rows from the CBP 2021 Georgia file
    "13001,113310,10,57,2097",
    "13001,115310,3,10,319",
    "13001,221122,5,23,2786",
]


def _cbp(tmp_path, lines, name="US-GA-census-naics6-counties-2021.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return SourceFile(path=path, ref_year=2021)


def _load(con, catalogue, source):
    return run_entry(con, catalogue["us_cbp_county"], [source], country="US", ref_year=2021)


def test_each_kind_of_bad_row_is_quarantined_with_its_reason(tmp_path, warehouse_con, catalogue):
    lines = [
        HEADER,
        *GOOD,  # lines 2-4: good
        "13001,236220,6,-3,2229",  # line 5: negative employees
        "13001,237310,4,n/a,1500",  # line 6: non-numeric employees
        "13998,238210,3,12,400",  # line 7: no such county
        "13001,999999,3,12,400",  # line 8: no such NAICS 2017 code
        "13003,238220,7,40,1700",  # line 9: duplicated key ...
        "13003,238220,7,41,1701",  # line 10: ... with line 9
        "1001,238910,3,9,300",  # line 11: Autauga 01001 lost its leading zero
        "13003,23822,3,9,300",  # line 12: NAICS code lost a digit
    ]
    load = _load(warehouse_con, catalogue, _cbp(tmp_path, lines))

    assert load.rows_read == 11
    assert load.rows_landed == 3
    assert load.rows_quarantined == 8
    assert load.rows_read == load.rows_landed + load.rows_quarantined

    rows = warehouse_con.execute(
        "select source_line, reason, original_row from quarantine.area_industry "
        "where catalogue_entry = 'us_cbp_county' order by source_line"
    ).fetchall()
    reasons = {line: reason for line, reason, _ in rows}
    assert sorted(reasons) == [5, 6, 7, 8, 9, 10, 11, 12]
    assert "employees '-3' is not a non-negative whole number" in reasons[5]
    assert "employees 'n/a' is not a non-negative whole number" in reasons[6]
    assert "area_code '13998' is not in reference.areas for US" in reasons[7]
    assert "industry_code '999999' is not in reference.industry_codes for NAICS2017" in reasons[8]
    assert reasons[9].startswith("duplicated key") and reasons[10].startswith("duplicated key")
    assert "area_code '1001' does not match ^\\d{5}$" in reasons[11]
    assert "industry_code '23822' does not match ^\\d{6}$" in reasons[12]
    # The whole original row is kept, as text.
    original = json.loads(rows[0][2])
    assert original == {"Fips": "13001", "Naics": "236220", "Establishments": "6", "Employees": "-3", "Payroll": "2229"}

    landed = warehouse_con.execute(
        "select area_code, industry_code, establishments, employees, payroll, source_line "
        "from landing.area_industry order by source_line"
    ).fetchall()
    assert landed == [
        ("13001", "113310", 10, 57, 2097.0, 2),
        ("13001", "115310", 3, 10, 319.0, 3),
        ("13001", "221122", 5, 23, 2786.0, 4),
    ]


def test_reloading_a_partition_replaces_its_rows(tmp_path, warehouse_con, catalogue):
    source = _cbp(tmp_path, [HEADER, *GOOD])
    _load(warehouse_con, catalogue, source)
    _load(warehouse_con, catalogue, source)
    n = warehouse_con.execute("select count(*) from landing.area_industry").fetchone()[0]
    assert n == len(GOOD)


@pytest.mark.parametrize(
    ("content", "encoding", "expected"),
    [
        (
            [HEADER.replace(",", ";"), *(g.replace(",", ";") for g in GOOD)],
            "utf-8",
            ["looks semicolon-delimited but the catalogue says comma-delimited", 'delimiter: ";"', "line 1"],
        ),
        (
            [HEADER, *GOOD, "13001,311811,3,12,400,Panadería"],
            "cp1252",
            ["line 5", "byte 0xed is not valid utf-8", "encoding: cp1252"],
        ),
        (
            ["Fips,Naics,Establishments,Payroll", "13001,113310,10,2097"],
            "utf-8",
            ["required column(s) 'Employees' missing", "fix the `columns:` mapping in assets/us_cbp_county.yaml"],
        ),
        ([], "utf-8", ["the file is empty"]),
        ([HEADER], "utf-8", ["has a header but no data rows"]),
    ],
    ids=["wrong-delimiter", "wrong-encoding", "missing-column", "empty", "header-only"],
)
def test_unreadable_file_fails_and_leaves_the_warehouse_as_it_was(
    tmp_path, warehouse_con, catalogue, content, encoding, expected
):
    _load(warehouse_con, catalogue, _cbp(tmp_path / "..", [HEADER, *GOOD], name="good.csv"))
    before = warehouse_con.execute("select * from landing.area_industry order by source_line").fetchall()

    bad = tmp_path / "US-GA-census-naics6-counties-2021.csv"
    bad.write_bytes(("\n".join(content) + ("\n" if content else "")).encode(encoding))
    with pytest.raises(InputFileError) as info:
        _load(warehouse_con, catalogue, SourceFile(bad, 2021))
    message = str(info.value)
    assert "US-GA-census-naics6-counties-2021.csv" in message
    for part in expected:
        assert part in message, message

    after = warehouse_con.execute("select * from landing.area_industry order by source_line").fetchall()
    assert after == before and len(after) == len(GOOD)


def test_row_of_another_year_is_quarantined(tmp_path, warehouse_con, catalogue):
    entry = replace(catalogue["us_cbp_county"], columns={**catalogue["us_cbp_county"].columns, "ref_year": "Year"})
    path = tmp_path / "cbp.csv"
    path.write_text(
        "Fips,Naics,Establishments,Employees,Payroll,Year\n13001,113310,10,57,2097,2021\n13001,115310,3,10,319,2020\n"
    )
    load = run_entry(warehouse_con, entry, [SourceFile(path, 2021)], country="US", ref_year=2021)
    assert load.rows_landed == 1
    assert _reasons(warehouse_con, "area_industry") == [(3, "ref_year '2020' is not in the partition year 2021")]


def test_fixture_head_loads_completely(warehouse_con, catalogue):
    load = _load(warehouse_con, catalogue, SourceFile(FIXTURES / "cbp_ga_2021_head.csv", 2021))
    assert (load.rows_read, load.rows_landed, load.rows_quarantined) == (30, 30, 0)
