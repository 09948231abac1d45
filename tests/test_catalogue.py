"""The catalogue schema: a misspelt or unknown key, a wrong type or an unknown encoding is an error naming the
file, the key and its line; encodings are detected where the catalogue allows a choice."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.catalogue import CatalogueError, load_entry
from pipelines.paths import CATALOGUE_DIR
from pipelines.sources.delimited import read_delimited

CBP_ENTRY = CATALOGUE_DIR / "us_cbp_county.yaml"


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("format:", "fromat:", ["unknown key `fromat`", "did you mean `format`?"]),
        ("  encoding: utf-8", "  encodng: utf-8", ["unknown key `format.encodng`", "did you mean `encoding`?"]),
        ("  pattern:", "  patern:", ["unknown key `files.patern`", "missing key `files.pattern`"]),
        ("is_synthetic: false", "is_synthetic: maybe", ["`is_synthetic`", "valid boolean"]),
        ("kind: statistics", "kind: statistic", ["`kind`", "'statistics' or 'reference'"]),
        ("  encoding: utf-8", "  encoding: utf-9", ["encoding 'utf-9' is not known"]),
    ],
    ids=["misspelt-top-level-key", "misspelt-nested-key", "missing-key", "wrong-type", "wrong-value",
         "unknown-encoding"],
)
def test_a_bad_catalogue_entry_is_named_with_its_key_and_line(tmp_path, before, after, expected):
    text = CBP_ENTRY.read_text(encoding="utf-8")
    assert before in text
    bad = tmp_path / "us_cbp_county.yaml"
    bad.write_text(text.replace(before, after, 1), encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_entry(bad)
    message = str(info.value)
    assert str(bad) in message
    for part in expected:
        assert part in message, message
    if "unknown key" in expected[0]:
        assert f"(line {_line_of(bad.read_text(), after.strip())})" in message


def test_every_bundled_entry_passes_the_schema():
    entries = [load_entry(p) for p in sorted(CATALOGUE_DIR.glob("*.yaml"))]
    assert len(entries) == len(list(CATALOGUE_DIR.glob("*.yaml")))
    denue = next(e for e in entries if e.name == "mx_denue")
    assert denue.encoding == ("utf-8", "latin-1")


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8", "utf-16"])
def test_auto_detects_the_encoding_and_reads_the_same_rows(tmp_path, encoding):
    rows = ["codice;denominazione", "001001;Agliè", "001002;Airasca", "015146;Milano Città Studi", "022205;Trento"]
    path = tmp_path / f"comuni_{encoding}.csv"
    path.write_bytes(("\n".join(rows) + "\n").encode(encoding))
    frame = read_delimited(path, encoding="auto", delimiter=";", workdir=tmp_path).collect()
    assert frame.get_column("denominazione").to_list() == [r.split(";")[1] for r in rows[1:]]
    assert frame.get_column("_line").to_list() == [2, 3, 4, 5]


def test_a_list_of_encodings_takes_the_one_that_fits(tmp_path):
    rows = ["id;nome", "1;Città", "2;Perché"]
    for encoding in ("utf-8", "latin-1"):
        path = tmp_path / f"n_{encoding}.csv"
        path.write_bytes(("\n".join(rows) + "\n").encode(encoding))
        frame = read_delimited(Path(path), encoding=("utf-8", "latin-1"), delimiter=";", workdir=tmp_path).collect()
        assert frame.get_column("nome").to_list() == ["Città", "Perché"]
