"""The synthetic registers: same seed, same bytes; calibrated sizes; planted districts."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import polars as pl
import pytest

from pipelines.generate import generate
from pipelines.paths import REFERENCE_DIR


def _digests(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("country", ["IT", "MX"])
def test_same_seed_same_bytes(tmp_path, country):
    generate(country, 5000, [2020, 2021], 42, tmp_path / "a")
    generate(country, 5000, [2020, 2021], 42, tmp_path / "b")
    generate(country, 5000, [2020, 2021], 43, tmp_path / "c")
    a, b, c = _digests(tmp_path / "a"), _digests(tmp_path / "b"), _digests(tmp_path / "c")
    assert a == b
    assert len(a) >= 10
    assert a != c


def test_italian_register_is_calibrated_to_the_2011_structure(tmp_path):
    report = generate("IT", 600_000, [2021], 5, tmp_path)
    units = pl.read_csv(
        tmp_path / "it" / "asia_ul" / "2021" / "unita_locali_2021.csv",
        separator=";",
        encoding="utf8",
        schema_overrides={"codice_comune": pl.String, "addetti": pl.Int64},
    )
    size = units.get_column("addetti").to_numpy()
    assert units.height == 600_000
    # Italy 2011: 16.4 million employees in 4.4 million local units (3.73 per unit): within 10 %.
    assert size.mean() == pytest.approx(16.4 / 4.4, rel=0.10)
    # About 95 % of local units are micro units (fewer than 10 persons).
    assert (size < 10).mean() == pytest.approx(0.95, abs=0.015)
    assert (size >= 250).mean() < 0.003
    # Municipality codes keep their leading zeros; every code is a real ISTAT municipality.
    assert units.get_column("codice_comune").str.len_chars().unique().to_list() == [6]
    assert report.employees[2021] == int(size.sum())


def test_planted_districts_follow_the_deck_size_facts(tmp_path):
    report = generate("IT", 4_400_000 // 10, [2021], 9, tmp_path)  # the structure is scale-free
    firms = np.array([d["firms"] for d in report.districts])
    report_mx = generate("MX", 4_400_000 // 10, [2021], 9, tmp_path)
    firms = np.concatenate([firms, [d["firms"] for d in report_mx.districts]])
    employees = np.array([d["employees"] for d in report.districts + report_mx.districts])
    assert len(firms) >= 20
    # Deck: about half over 200 firms, 30 % over 600; half under 5,000 employees, 30 % over 20,000.
    assert (firms > 200).mean() == pytest.approx(0.5, abs=0.2)
    assert (firms > 600).mean() == pytest.approx(0.3, abs=0.2)
    assert (employees < 5000).mean() == pytest.approx(0.5, abs=0.2)
    assert (employees > 20000).mean() == pytest.approx(0.3, abs=0.2)


def test_mexican_register_uses_real_municipalities_and_bands(tmp_path):
    generate("MX", 20_000, [2021], 3, tmp_path)
    denue = pl.read_csv(tmp_path / "mx" / "denue" / "2021" / "denue_2021.csv", infer_schema=False)
    municipios = json.loads((REFERENCE_DIR / "inegi_municipios" / "municipios_completo.json").read_text("utf-8"))
    real = {m["cve_completa"] for m in municipios}
    assert set(denue.get_column("clee").str.slice(0, 5).unique().to_list()) <= real
    assert set(denue.get_column("per_ocu").unique().to_list()) <= {
        "0 a 5 personas",
        "6 a 10 personas",
        "11 a 30 personas",
        "31 a 50 personas",
        "51 a 100 personas",
        "101 a 250 personas",
        "251 y más personas",
    }
    manifest = json.loads((tmp_path / "mx" / "GENERATED.json").read_text())
    assert manifest["synthetic"] is True and manifest["units"]["2021"] == denue.height


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="no generator for country 'BR'"):
        generate("BR", 5000, [2021], 1, tmp_path)
    with pytest.raises(ValueError, match="at least 1,000"):
        generate("IT", 10, [2021], 1, tmp_path)
