"""Life cycle on a register built by hand over four years (2020-2023).

SLLA (municipality 001001): footwear (ATECO 15.20) units of 25 employees, founded 1990: 200 units
in 2020, 220 from 2021 (20 founded in 2021). Retail 40 x 25 every year.
SLLB (001002): footwear 80 x 25 in 2020, 60 x 25 from 2021, four of them replaced by units founded
in 2022 and four more in 2023. Retail 400 x 25 every year.

The footwear industry employs 7,000 every year: SLLA's growth against the nation is +10 pp in 2021
and 0 afterwards. 2020 has no previous year (indeterminate); 2021 is EMERGENTE (U >= 200, LQ >= 1.5,
g > +1 pp); 2022's candidate is MADURO (size star, LQ >= 2, g within +-1 pp, entry 0 against the
nation's 4 / 280) but a stage changes only after two consecutive periods, so 2022 stays EMERGENTE
and 2023 becomes MADURO.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from pipelines.paths import ProjectPaths

YEARS = (2020, 2021, 2022, 2023)


def _units(year):
    rows = []
    a_footwear = 200 if year == 2020 else 220
    for i in range(a_footwear):
        rows.append(("001001", "15.20", 25, 2021 if i >= 200 else 1990))
    b_footwear = 80 if year == 2020 else 60
    for i in range(b_footwear):
        founded = 1990
        if year >= 2022 and i < 4:
            founded = 2022
        if year >= 2023 and 4 <= i < 8:
            founded = 2023
        rows.append(("001002", "15.20", 25, founded))
    rows += [("001001", "47.11", 25, 1990)] * 40
    rows += [("001002", "47.11", 25, 1990)] * 400
    return rows


@pytest.fixture(scope="module")
def lifecycle(tmp_path_factory):
    from pipelines.refresh import run_refresh

    raw = tmp_path_factory.mktemp("raw")
    (raw / "it" / "lma").mkdir(parents=True)
    (raw / "it" / "lma" / "comuni_sll.csv").write_text(
        "codice_comune;codice_sll;denominazione_sll\n001001;SLLA;A\n001002;SLLB;B\n", encoding="cp1252")
    for year in YEARS:
        lines = ["codice_ul;codice_impresa;codice_comune;ateco_2007;addetti;fatturato;fatturato_export;anno_inizio"]
        for n, (area, code, size, founded) in enumerate(_units(year)):
            lines.append(f"U{year}{n};E{n};{area};{code};{size};;;{founded}")
        folder = raw / "it" / "asia_ul" / str(year)
        folder.mkdir(parents=True)
        (folder / f"unita_locali_{year}.csv").write_text("\n".join(lines) + "\n", encoding="cp1252")
    paths = ProjectPaths(raw, tmp_path_factory.mktemp("warehouse"))
    report = run_refresh(paths, steps_to_run=("reference", "ingest", "build"))
    assert report.ok, [(s.label, s.error) for s in report.steps if not s.ok]
    con = duckdb.connect(str(paths.warehouse_db), read_only=True)
    rows = con.execute(
        "select ref_year, lifecycle_stage, candidate_stage, periods_in_stage, reason, growth_vs_national_pp, "
        "entry_ratio from marts.district_lifecycle where district_id = 'IT-SLLA-15.20' order by ref_year"
    ).fetchall()
    con.close()
    return {r[0]: r[1:] for r in rows}


def test_stages_year_by_year(lifecycle):
    assert {y: (r[0], r[1], r[2]) for y, r in lifecycle.items()} == {
        2020: ("indeterminate", "indeterminate", 0),
        2021: ("EMERGENTE", "EMERGENTE", 1),
        2022: ("EMERGENTE", "MADURO", 2),
        2023: ("MADURO", "MADURO", 1),
    }
    assert lifecycle[2020][3] == (
        "MADURO cannot be decided: needs growth against the national industry (a previous reference year) "
        "and entry of new local units (founding years)")
    assert lifecycle[2022][3] == "MADURO for 1 period(s): the stage changes after 2 consecutive periods; EMERGENTE kept"


def test_growth_and_entry_by_hand(lifecycle):
    # 2021: SLLA 5,000 -> 5,500 (+10 %), the national industry 7,000 -> 7,000.
    assert lifecycle[2021][4] == pytest.approx(10.0, abs=1e-9)
    # 2021 entry: 20 of SLLA's 220 units are new, against 20 of the nation's 280.
    # Published (and compared by the rules) at 6 decimals.
    assert lifecycle[2021][5] == round((20 / 220) / (20 / 280), 6)
    # 2022: no growth, no new units in SLLA, 4 of 280 nationally.
    assert lifecycle[2022][4] == pytest.approx(0.0, abs=1e-9)
    assert lifecycle[2022][5] == 0


# ---- the stage rules one by one, on the model's pure function (no warehouse needed)


def _model():
    import importlib.util

    from pipelines.paths import DBT_PROJECT_DIR

    spec = importlib.util.spec_from_file_location(
        "district_lifecycle", DBT_PROJECT_DIR / "models" / "intermediate" / "int_district_lifecycle.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rules():
    from pipelines.sensitivity import rule_values

    return {**rule_values(), "rule_set_version": "test"}


def _row(year, employees, units, lq, g, entry, star=False, lq_change=0.0, new=None, district="D"):
    return {"district_id": district, "ref_year": year, "country": "IT", "employees": employees, "units": units,
            "lq": lq, "has_size_star": star, "growth_vs_national_pp": g, "entry_ratio": entry,
            "lq_change": lq_change, "new_related_industries": new}


@pytest.mark.parametrize(
    ("row", "stage", "why"),
    [
        (_row(2021, 600, 30, 1.2, None, None), "AGLOMERACION", "E < 1,000 and LQ >= 1, no star: no growth needed"),
        (_row(2021, 3000, 120, 1.3, 2.5, 1.4), "EN_DESARROLLO", "1,000 <= E < 5,000, g > +1 pp, entry >= 1"),
        (_row(2021, 8000, 150, 1.8, 3.0, 0.9), "EMERGENTE", "E >= 5,000, LQ >= 1.5, g > +1 pp"),
        (_row(2021, 16000, 700, 2.5, 0.2, 0.5), "MADURO", "E >= 15,000, LQ >= 2, g within +-1 pp, entry < 1"),
        (_row(2021, 16000, 700, 2.5, -2.5, 0.5), "TRANSFORMACION", "E >= 15,000 and g < -1 pp: decline"),
    ],
)
def test_each_stage_for_its_reason(row, stage, why):
    model = _model()
    out = model.lifecycle(pd.DataFrame([row]), _rules())
    assert out.loc[0, "lifecycle_stage"] == stage, why
    assert out.loc[0, "reason"] == f"{stage} conditions hold"


def test_transformation_branches():
    model = _model()
    rules = _rules()
    decline = model.lifecycle(pd.DataFrame([_row(2021, 16000, 700, 2.5, -2.5, 0.5)]), rules)
    renewal = model.lifecycle(pd.DataFrame([_row(2021, 16000, 700, 2.5, 0.5, 1.5, lq_change=-0.2, new=3)]), rules)
    assert (decline.loc[0, "branch"], renewal.loc[0, "branch"]) == ("decline", "renewal")
    assert renewal.loc[0, "lifecycle_stage"] == "TRANSFORMACION"


def test_renewal_needs_related_industries_before_deciding():
    # LQ fell and growth is flat: only the renewal branch could make it TRANSFORMACION, and the
    # related industries are unknown, so the year is indeterminate rather than guessed MADURO.
    model = _model()
    out = model.lifecycle(pd.DataFrame([_row(2021, 16000, 700, 2.5, 0.5, 0.5, lq_change=-0.1)]), _rules())
    assert out.loc[0, "lifecycle_stage"] == "indeterminate"
    assert out.loc[0, "reason"] == "TRANSFORMACION cannot be decided: needs related industries whose LQ crossed 1"


# The renewal branch's count of new related industries (int_lifecycle_inputs) is a dbt unit test worked out
# by hand: new_related_industries_count_related_divisions_that_became_specialised (models/intermediate/_intermediate.yml).
