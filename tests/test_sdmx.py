"""SDMX export: the structure validates against the SDMX-ML schema, every observation of the sample's release is
read back with pysdmx and checked against its dataflow's structure, values and flags equal the published tables,
two exports are byte-identical, and a file that breaks its structure is refused with the file named."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from pipelines.publish import served_release_id
from pipelines.sdmx import (
    NOT_APPLICABLE,
    WITHHELD,
    SdmxInvalid,
    build_structure,
    export_release,
    load_structure,
    sdmx_id,
    validate_dataset,
    validate_export,
)

STRUCTURE = load_structure()


@pytest.fixture(scope="module")
def export(refreshed, tmp_path_factory):
    paths, _ = refreshed
    release_dir = paths.releases_dir / served_release_id(paths)
    return release_dir, export_release(release_dir, tmp_path_factory.mktemp("sdmx"))


def _read(export_result, flow: str) -> pd.DataFrame:
    from pysdmx.io import get_datasets

    (dataset,) = get_datasets(export_result.data_files[flow], export_result.structure_file)
    frame = dataset.data.astype(object)
    frame["OBS_VALUE"] = pd.to_numeric(frame["OBS_VALUE"]).astype("float64")
    return frame


def test_sdmx_ids_replace_what_sdmx_does_not_allow():
    assert sdmx_id("13.20") == "13_20"
    assert sdmx_id("IT-0336-14.13") == "IT-0336-14_13"
    assert sdmx_id("336111") == "336111"


def test_structure_message_validates_and_lists_the_components(export):
    from pysdmx.io import read_sdmx
    from pysdmx.model.dataflow import Dataflow, DataStructureDefinition

    _, result = export
    message = read_sdmx(result.structure_file, validate=True)  # the SDMX-ML 2.1 XML schema
    (dsd,) = [s for s in message.structures if isinstance(s, DataStructureDefinition)]
    flows = {s.id for s in message.structures if isinstance(s, Dataflow)}
    assert flows == set(STRUCTURE.dataflows)
    dimensions = [c.id for c in dsd.components if c.role.name == "DIMENSION"]
    assert dimensions == ["FREQ", "REF_AREA", "DISTRICT", "ACTIVITY", "INDICATOR", "UNIT_MEASURE", "TIME_PERIOD"]
    attributes = {c.id for c in dsd.components if c.role.name == "ATTRIBUTE"}
    assert attributes == {"OBS_STATUS", "CONF_STATUS"}
    conf = next(c for c in dsd.components if c.id == "CONF_STATUS")
    assert {code.id for code in conf.local_codes.items} == {"F", "A", "O", "T", "D", "C"}


def test_district_indicators_equal_the_published_table(export):
    release_dir, result = export
    frame = _read(result, "DF_DISTRICT_INDICATORS")
    table = duckdb.connect().execute(
        "select * from read_parquet(?)", [str(release_dir / "district_indicators.parquet")]).df()
    assert len(frame) == len(table) == result.observations["DF_DISTRICT_INDICATORS"]
    merged = frame.assign(district_id=frame["DISTRICT"], indicator=frame["INDICATOR"].str.lower(),
                          ref_year=frame["TIME_PERIOD"].astype(int))
    table = table.assign(district_id=table["district_id"].map(sdmx_id))
    both = merged.merge(table, on=["district_id", "indicator", "ref_year"], validate="one_to_one")
    assert len(both) == len(table)
    assert (both["CONF_STATUS"] == both["conf_status"]).all()
    assert (both["OBS_STATUS"] == both["obs_status"]).all()
    assert (both["REF_AREA"] == both["country"]).all()
    shown = both["obs_value"].notna()
    assert (both.loc[shown, "OBS_VALUE"] == both.loc[shown, "obs_value"]).all()
    assert both.loc[~shown, "OBS_VALUE"].isna().all()
    # The units come from the structure's indicator code list.
    units = both["INDICATOR"].map(STRUCTURE.indicator_unit)
    assert (both["UNIT_MEASURE"] == units).all()


def test_area_industry_keeps_suppressed_cells_empty_and_flagged(export):
    release_dir, result = export
    frame = _read(result, "DF_AREA_INDUSTRY")
    table = duckdb.connect().execute(
        "select * from read_parquet(?)", [str(release_dir / "area_industry.parquet")]).df()
    indicators = STRUCTURE.dataflows["DF_AREA_INDUSTRY"]["indicators"]
    assert len(frame) == len(indicators) * len(table)
    assert (frame["DISTRICT"] == NOT_APPLICABLE).all()
    employees = frame[frame["INDICATOR"] == "EMPLOYEES"]
    # Withheld observations are NaN, never 0; free ones add up to the published table's employees.
    assert employees.loc[employees["CONF_STATUS"].isin(WITHHELD), "OBS_VALUE"].isna().all()
    assert employees["OBS_VALUE"].sum() == pytest.approx(table["employees"].sum())
    assert (employees["CONF_STATUS"] == "F").sum() == table["employees"].notna().sum()
    # County Business Patterns withholds employment only: its establishment counts stay free.
    firms = frame[(frame["INDICATOR"] == "FIRMS") & frame["REF_AREA"].str.startswith("US_")]
    withheld_employment = table[(table["country"] == "US") & (table["conf_status"] == "C")]
    assert len(withheld_employment) > 0
    assert (firms["CONF_STATUS"] == "F").sum() == table[table["country"] == "US"]["establishments"].notna().sum()
    # An LQ withheld because the country's class total is withheld is flagged D.
    lq = frame[frame["INDICATOR"] == "LQ"]
    assert (lq["CONF_STATUS"] == "D").sum() == (table["lq_conf_status"] == "D").sum()


def test_two_exports_of_a_release_are_byte_identical(export, tmp_path):
    release_dir, result = export
    again = export_release(release_dir, tmp_path)
    for flow, path in result.data_files.items():
        assert path.read_bytes() == again.data_files[flow].read_bytes()
    assert result.structure_file.read_bytes() == again.structure_file.read_bytes()


def test_a_data_file_that_breaks_its_structure_is_refused(export, tmp_path):
    _, result = export
    tampered = tmp_path / "DF_DISTRICT_INDICATORS.csv"
    lines = result.data_files["DF_DISTRICT_INDICATORS"].read_text(encoding="utf-8").splitlines()
    withheld = next(i for i, line in enumerate(lines) if line.endswith((",A", ",D")) and ",NaN," in line)
    lines[withheld] = lines[withheld].replace(",NaN,", ",0,")  # a suppressed value shown as 0
    tampered.write_text("\n".join(lines) + "\n", encoding="utf-8")
    broken = type(result)(tmp_path, result.structure_file, {"DF_DISTRICT_INDICATORS": tampered}, {}, {})
    with pytest.raises(SdmxInvalid, match=r"DF_DISTRICT_INDICATORS.csv .*withheld by CONF_STATUS carry a value"):
        validate_export(broken)


def _schema(open_codes):
    from pysdmx.model.dataflow import DataStructureDefinition

    artefacts = build_structure(STRUCTURE, open_codes)
    return next(a for a in artefacts if isinstance(a, DataStructureDefinition)).to_schema()


def test_validate_dataset_names_each_problem():
    schema = _schema({"CL_REF_AREA": {"IT": "Italy"}, "CL_DISTRICT": {"D1": "One", NOT_APPLICABLE: "n/a"},
                      "CL_ACTIVITY": {"ATECO2007_13_20": "Weaving"}})
    good = {"FREQ": "A", "REF_AREA": "IT", "DISTRICT": "D1", "ACTIVITY": "ATECO2007_13_20", "INDICATOR": "FIRMS",
            "UNIT_MEASURE": "UNITS", "TIME_PERIOD": "2021", "OBS_VALUE": 12.0, "OBS_STATUS": "A", "CONF_STATUS": "F"}
    assert validate_dataset(pd.DataFrame([good]), schema) == []
    rows = pd.DataFrame([
        good,
        {**good, "INDICATOR": "EMPLOYEES", "OBS_VALUE": 5.0, "CONF_STATUS": "A"},  # withheld yet shown
        {**good, "INDICATOR": "LQ", "REF_AREA": "XX"},  # unknown area
        {**good, "INDICATOR": "FIRMS"},  # repeats the first key
        {**good, "INDICATOR": "UNITS_MICRO", "OBS_VALUE": float("nan")},  # free, empty, not "missing"
    ])
    problems = " | ".join(validate_dataset(rows, schema))
    assert "REF_AREA has codes not in CL_REF_AREA: XX" in problems
    assert "1 rows repeat a key" in problems
    assert "1 observations withheld by CONF_STATUS carry a value (first: row 3)" in problems
    assert "1 free observations have no value and no OBS_STATUS L (first: row 6)" in problems
