"""Adapters on small fixtures cut from the real data."""

from __future__ import annotations

import csv
import json

import polars as pl
import pytest

from pipelines.errors import InputFileError
from pipelines.paths import REFERENCE_DIR
from pipelines.sources.delimited import read_delimited
from pipelines.sources.json_records import read_json_records
from pipelines.sources.us_counties import economic_area_code, read_us_counties
from tests.conftest import FIXTURES


def test_cbp_rows_keep_text_codes_and_line_numbers():
    frame = read_delimited(FIXTURES / "cbp_ga_2021_head.csv", required_columns=["Fips", "Naics"]).collect()
    with open(FIXTURES / "cbp_ga_2021_head.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    assert frame.height == len(rows) - 1 == 30
    assert frame.columns == ["_line", "Fips", "Naics", "Establishments", "Employees", "Payroll", "_problem", "_raw_line"]
    assert frame.get_column("_problem").null_count() == frame.height  # every row fits the header
    assert all(dtype == pl.String for dtype in frame.drop("_line").dtypes)
    # First data row is line 2 of the file: 13001,113310,10,57,2097
    first = frame.row(0, named=True)
    assert (first["_line"], first["Fips"], first["Naics"], first["Employees"]) == (2, "13001", "113310", "57")
    assert frame.get_column("_line").to_list() == list(range(2, 32))


def test_istat_cp1252_accents_multiline_header_and_leading_zeros():
    frame = read_delimited(
        FIXTURES / "istat_comuni_head.csv",
        encoding="cp1252",
        delimiter=";",
        required_columns=["Codice Comune formato alfanumerico", "Denominazione in italiano"],
    ).collect()
    assert frame.height == 5
    first = frame.row(0, named=True)
    # The header spans 3 physical lines, so the first municipality is on line 4.
    assert first["_line"] == 4
    assert first["Denominazione in italiano"] == "Agliè"
    assert first["Codice Comune formato alfanumerico"] == "001001"
    assert first["Codice Regione"] == "01"
    # Rows end in CRLF: the last column must not keep the carriage return.
    assert first["Codice NUTS3 2024"] == "ITC11"


def test_istat_file_read_as_utf8_is_refused_with_line_and_fix(tmp_path):
    with pytest.raises(InputFileError) as info:
        read_delimited(FIXTURES / "istat_comuni_head.csv", encoding="utf-8", delimiter=";")
    message = str(info.value)
    assert "istat_comuni_head.csv line 1" in message  # 'Unità' in the header
    assert "not valid utf-8" in message
    assert "encoding: cp1252" in message


def test_json_records_inegi_population(tmp_path):
    frame = read_json_records(REFERENCE_DIR / "inegi_municipios" / "municipios_completo.json").collect()
    records = json.loads((REFERENCE_DIR / "inegi_municipios" / "municipios_completo.json").read_text())
    assert frame.height == len(records) == 2478
    ags = frame.filter(pl.col("cve_completa") == "01001").row(0, named=True)
    assert ags["nom_municipio"] == "Aguascalientes"
    assert ags["poblacion_total"] == "948990"
    assert ags["_line"] == 1


def test_us_counties_named_with_state_and_economic_area():
    frame = read_us_counties(
        REFERENCE_DIR / "us_geo" / "county_to_economic_area.csv", states_file="us_states/us_states.csv"
    ).collect()
    whitfield = frame.filter(pl.col("area_code") == "13313").row(0, named=True)
    assert whitfield["area_name"] == "Whitfield County, GA"
    assert whitfield["region_code"] == "13"
    assert whitfield["region_name"] == "Georgia"
    assert whitfield["lma_name"].endswith("(Economic Area)")
    assert whitfield["lma_code"] == economic_area_code(whitfield["lma_name"])
    assert len(whitfield["lma_code"]) == 8
