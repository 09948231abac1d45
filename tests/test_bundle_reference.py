"""How the bundled reference files are made from their public sources (pipelines/bundle_reference.py).

Each transformation on small cases worked out by hand, the bundled files as the pipeline reads them
(no quarantined row of the project's own reference data), the municipality code bridge on a tiny pair
and on the bundled lists, and, where the public sources folder is present, the bundled files re-made
from it byte for byte.
"""

from __future__ import annotations

import csv
import re
import unicodedata

import duckdb
import polars as pl
import pytest

from pipelines.bundle_reference import (
    ISIC4_CLASSES_FILE,
    MUNICIPALITY_MERGERS,
    NACE_CLASS_LINKS_FILE,
    REPAIRED,
    VERBATIM,
    csv_bytes,
    isic4_classes,
    municipality_code_bridge,
    nace_class_links,
    read_comuni,
    read_csv_rows,
    read_sll_composition,
    repair_hs_isic4,
    repair_naics_isic4,
    repair_scian_ciiu,
    repaired_reference_files,
    restore_leading_zeros,
    set_aside_name,
)
from pipelines.paths import REFERENCE_DIR, REPO_ROOT, SAMPLE_RAW_DIR, ProjectPaths

SHARED = REPO_ROOT.parent / "shared" / "data"
reads_shared_sources = pytest.mark.skipif(
    not SHARED.is_dir(),
    reason=f"the public sources folder {SHARED} is not here: the bundled files cannot be re-made from it",
)

COMUNI_FILE = REFERENCE_DIR / "istat_comuni" / "Elenco-comuni-italiani.csv"
SLL_FILE = REFERENCE_DIR / "istat_sll" / "sll2021_comuni.csv"
BRIDGE_FILE = REFERENCE_DIR / "istat_sll" / "comuni_code_bridge.csv"


def _fold(name: str) -> str:
    """A name without case, accents, apostrophes or hyphens (``Alà dei Sardi`` = ``ALA' DEI SARDI``)."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return " ".join(re.sub(r"['\-]", " ", plain).lower().split())


# ---------------------------------------------------------------- restored zeros


def test_a_code_stored_as_a_number_gets_its_leading_zeros_back():
    assert restore_leading_zeros("11110", 6) == "011110"
    assert restore_leading_zeros("111", 4) == "0111"
    assert restore_leading_zeros("12", 3) == "012"
    assert restore_leading_zeros("4330\n\n", 4) == "4330"
    assert restore_leading_zeros("0111", 4) == "0111"


@pytest.mark.parametrize("code", ["12345", "", "null", "01.11", "１１１"])
def test_what_is_not_a_number_of_the_width_is_refused(code):
    with pytest.raises(ValueError, match="at most 4 digits"):
        restore_leading_zeros(code, 4)


# ---------------------------------------------------------------- NAICS 2017 -> ISIC Rev.4

NAICS_HEADER = ["Part of NAICS US", "2017\nNAICS\nUS  ", "2017 NAICS US TITLE", "Part of ISIC", "ISIC 4.0",
                "ISIC Revision 4.0 Title", "Notes", ""]
ALL_NAICS = ["", "0", "Multiple NAICS industries", "", "9810", "Undifferentiated goods-producing activities",
             "one to many links for ISIC 9810 to all of NAICS"]
SOYBEANS = ["", "111110", "Soybean Farming", "*", "111", "Growing of cereals", " "]
DRYWALL = ["*", "238310", "Drywall and Insulation Contractors", "*", "4330\n\n", "Building completion\n\n",
           "fireproof flooring", ""]
PAINTING = ["", "238320", "Painting and Wall Covering Contractors", "*", "4330", "Building completion", ""]
FRUIT_MIX = ["", "111336", "Fruit and Tree Nut Combination Farming", "*", "12", "Growing of perennial crops",
             "ISIC group level link - combination fruit and tree nut farming", ""]


def test_naics_isic_codes_are_restored_and_rows_without_a_class_link_set_aside():
    kept, set_aside = repair_naics_isic4([NAICS_HEADER, ALL_NAICS, SOYBEANS, DRYWALL, FRUIT_MIX, PAINTING])
    assert kept == [
        NAICS_HEADER,
        ["", "111110", "Soybean Farming", "*", "0111", "Growing of cereals", " "],
        ["*", "238310", "Drywall and Insulation Contractors", "*", "4330", "Building completion\n\n",
         "fireproof flooring", ""],
        PAINTING,
    ]
    assert set_aside[0] == [*NAICS_HEADER, "reason"]
    assert [row[:-1] for row in set_aside[1:]] == [[*ALL_NAICS, ""], FRUIT_MIX]
    all_naics, group = (row[-1] for row in set_aside[1:])
    assert all_naics.startswith("no NAICS code: the concordance links ISIC 9810 to all of NAICS")
    assert group.startswith("ISIC group-level link: group 012 (Growing of perennial crops), no class named")


@pytest.mark.parametrize(
    "row, problem",
    [
        (["", "11111", "Short code", "", "0111", "Growing of cereals", ""], "NAICS '11111'"),
        (["", "111110", "Soybean Farming", "", "01111", "Too long", ""], "'01111' is not a code"),
        (["", "111110", "Soybean Farming", "", "", "No class", ""], "'' is not a code"),
    ],
)
def test_a_naics_row_no_rule_explains_stops_the_bundle(row, problem):
    with pytest.raises(ValueError, match=re.escape(problem)):
        repair_naics_isic4([NAICS_HEADER, SOYBEANS, row])


def test_isic_classes_are_listed_once_with_the_classes_of_set_aside_rows_but_no_group():
    assert isic4_classes([NAICS_HEADER, ALL_NAICS, SOYBEANS, DRYWALL, FRUIT_MIX, PAINTING]) == [
        ["isic4_code", "isic4_title"],
        ["0111", "Growing of cereals"],
        ["4330", "Building completion"],
        ["9810", "Undifferentiated goods-producing activities"],
    ]
    other_title = ["", "238330", "Flooring Contractors", "*", "4330", "Other building completion", ""]
    with pytest.raises(ValueError, match="two titles"):
        isic4_classes([NAICS_HEADER, PAINTING, other_title])


# ---------------------------------------------------------------- SCIAN -> CIIU Rev.4

SCIAN_HEADER = ["SCIAN", "SCIAN_string", "CIIU", "CIIU_string"]
FORESTRY = ["115310", "Servicios relacionados con el aprovechamiento forestal", "0240", "Servicios de apoyo"]
MINING = ["21 MINERÍA", "Servicios relacionados con el aprovechamiento forestal", "null", "null"]
OIL = ["211111", "Extracción de petróleo y gas natural asociado", "0610", "Extracción de petróleo crudo"]
MANUFACTURING = ["31-33 INDUSTRIAS MANUFACTURERAS", "Otro título", "null", "null"]
SEVERAL = ["YYYYYY", "Vínculo con varias clases", "9810", "Actividades no diferenciadas de los hogares"]


def test_scian_sector_headings_and_links_to_several_classes_are_set_aside():
    kept, set_aside = repair_scian_ciiu([SCIAN_HEADER, FORESTRY, MINING, OIL, MANUFACTURING, SEVERAL])
    assert kept == [SCIAN_HEADER, FORESTRY, OIL]
    assert set_aside[0] == [*SCIAN_HEADER, "reason"]
    assert [row[:-1] for row in set_aside[1:]] == [MINING, MANUFACTURING, SEVERAL]
    mining, manufacturing, several = (row[-1] for row in set_aside[1:])
    assert mining == (
        "SCIAN sector heading (sector 21), not a class, with no CIIU link; "
        "its title is that of the class before it, 115310, which has its own rows"
    )
    assert manufacturing == "SCIAN sector heading (sector 31-33), not a class, with no CIIU link"
    assert several.startswith("no SCIAN class: INEGI links CIIU 9810 to several SCIAN classes")


@pytest.mark.parametrize(
    "row",
    [
        ["11531", "Código corto", "0240", "Servicios de apoyo"],
        ["115310", "CIIU corto", "240", "Servicios de apoyo"],
        ["115310", "Sin vínculo", "null", "null"],
        ["YYYYYY", "Vínculo con varias clases", "null", "null"],
    ],
)
def test_a_scian_row_no_rule_explains_stops_the_bundle(row):
    with pytest.raises(ValueError, match="no rule repairs or sets aside"):
        repair_scian_ciiu([SCIAN_HEADER, row])


def test_a_scian_table_with_other_columns_is_refused():
    with pytest.raises(ValueError, match="header"):
        repair_scian_ciiu([["SCIAN", "CIIU"], ["115310", "0240"]])


# ---------------------------------------------------------------- HS -> ISIC Rev.4

HS_HEADER = ["HS_6d", "HS_4d", "HS_2d", "ISIC4_4d", "ISIC4_3d", "ISIC4_2d", "ISIC4_1d"]
HORSES = ["010110", "0101", "01", "0141", "014", "01", "A"]
SCRAP = ["720410", "7204", "72", "", "", "", ""]


def test_hs_products_without_an_isic_class_are_set_aside():
    kept, set_aside = repair_hs_isic4([HS_HEADER, HORSES, SCRAP])
    assert kept == [HS_HEADER, HORSES]
    assert set_aside == [[*HS_HEADER, "reason"], [*SCRAP, "the table links HS 720410 to no ISIC Rev.4 class"]]


@pytest.mark.parametrize(
    "row",
    [["72041", "7204", "72", "2410", "241", "24", "C"], ["720410", "7204", "72", "241", "241", "24", "C"],
     ["720410", "7204", "72", "", "241", "24", "C"]],
)
def test_an_hs_row_no_rule_explains_stops_the_bundle(row):
    with pytest.raises(ValueError, match="no rule repairs or sets aside"):
        repair_hs_isic4([HS_HEADER, row])


# ---------------------------------------------------------------- files


def test_unchanged_rows_are_written_back_byte_for_byte(tmp_path):
    text = 'a,"b\nc",d\r\n,0111,"x, y"\r\n'
    path = tmp_path / "table.csv"
    path.write_bytes(text.encode("utf-8"))
    rows = read_csv_rows(path)
    assert rows == [["a", "b\nc", "d"], ["", "0111", "x, y"]]
    assert csv_bytes(rows, "\r\n") == text.encode("utf-8")
    assert csv_bytes([["a", "b"]]) == b"a,b\n"
    assert set_aside_name("hs_isic4/hs_isic4.csv") == "hs_isic4/hs_isic4.set_aside.csv"


# ---------------------------------------------------------------- the bundled files, as the pipeline reads them


def test_the_project_reference_data_quarantines_nothing(reference_db):
    with duckdb.connect(str(reference_db), read_only=True) as con:
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'quarantine'").fetchall()]
        assert tables
        quarantined = {
            table: con.execute(f'select count(*) from quarantine."{table}"').fetchone()[0] for table in tables
        }
        isic_classes = {r[0] for r in con.execute(
            "select industry_code from reference.industry_codes where industry_system = 'ISIC4'").fetchall()}
        targets = {r[0] for r in con.execute(
            "select distinct target_code from reference.industry_crosswalk where target_system = 'ISIC4'").fetchall()}
    assert {t: n for t, n in quarantined.items() if n} == {}
    # Every ISIC class of the UN table (the class level of ../nace_isic), none made of a group's number.
    with open(REFERENCE_DIR / "nace_isic" / "isic4_nace2_correspondence.csv", newline="", encoding="utf-8") as f:
        un_classes = {r["activitytype_from"] for r in csv.DictReader(f)
                      if r["classification_from"] == "isic_rev4" and re.fullmatch(r"\d{4}", r["activitytype_from"])}
    assert len(un_classes) == 419
    assert isic_classes == un_classes
    assert targets <= un_classes


def test_no_catalogue_entry_reads_a_set_aside_file(catalogue, tmp_path):
    paths = ProjectPaths(SAMPLE_RAW_DIR, tmp_path)
    read = {f.path.name for entry in catalogue.values() if not entry.is_partitioned for f in entry.find_files(paths)}
    assert not {name for name in read if name.endswith(".set_aside.csv")}
    assert {"naics2017_to_isic4.csv", "isic4_classes.csv", "scian_ciiu_correspondence.csv", "hs_isic4.csv"} <= read


@pytest.mark.parametrize("bundled", sorted(REPAIRED))
def test_every_source_note_counts_what_was_kept_and_set_aside(bundled):
    path = REFERENCE_DIR / bundled
    kept = len(read_csv_rows(path)) - 1
    set_aside = read_csv_rows(REFERENCE_DIR / set_aside_name(bundled))
    assert set_aside[0][-1] == "reason" and all(row[-1] for row in set_aside[1:])
    note = (path.parent / "SOURCE.txt").read_text(encoding="utf-8")
    assert f"= {kept:,} rows" in note
    assert f"{set_aside_name(path.name)} — the {len(set_aside) - 1} rows" in note


# ---------------------------------------------------------------- municipality code bridge


def _comuni(*rows: tuple[str, str, str]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["area_code", "area_name", "region_code"], orient="row")


def _sll(*rows: tuple[str, str, str]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["PRO_COM_T", "COMUNE", "COD_REG_COM"], orient="row")


MERGER = ("024027", "Castegnero", "024129", "Castegnero Nanto", "merger of Castegnero and Nanto (Veneto, 2025)")


def test_bridge_on_a_renamed_sardinian_code_and_a_merger():
    comuni = _comuni(
        ("001004", "Albiano d'Ivrea", "01"),  # in both files: not bridged
        ("090002", "Alà dei Sardi", "20"),  # Sardinia, renumbered: same name, new code
        ("024027", "Castegnero", "05"),  # merged
    )
    sll = _sll(
        ("001004", "Albiano d'Ivrea", "01"),
        ("113003", "ALA' DEI SARDI", "20"),
        ("024129", "Castegnero Nanto", "05"),
    )
    bridge = municipality_code_bridge(comuni, sll, mergers=(MERGER,))
    assert bridge.rows() == [
        ("024027", "Castegnero", "024129", "Castegnero Nanto", "merger of Castegnero and Nanto (Veneto, 2025)"),
        ("090002", "Alà dei Sardi", "113003", "ALA' DEI SARDI", "renumbered into Sardinia's new provinces"),
    ]


def test_bridge_refuses_a_code_no_rule_explains():
    comuni = _comuni(("090002", "Alà dei Sardi", "20"), ("099999", "Nowhere", "05"), ("001999", "Elsewhere", "20"))
    sll = _sll(("113003", "Alà dei Sardi", "20"))
    with pytest.raises(ValueError, match=r"2 municipalities .* 099999 Nowhere, 001999 Elsewhere"):
        municipality_code_bridge(comuni, sll, mergers=())


def test_bridge_refuses_a_merger_the_files_do_not_confirm():
    comuni = _comuni(("024027", "Castegnero", "05"))
    sll = _sll(("024129", "Nanto", "05"))
    with pytest.raises(ValueError, match="does not match the files"):
        municipality_code_bridge(comuni, sll, mergers=(MERGER,))


@pytest.fixture(scope="module")
def bundled_lists():
    comuni, sll = read_comuni(COMUNI_FILE), read_sll_composition(SLL_FILE)
    return comuni, sll, municipality_code_bridge(comuni, sll)


def test_every_municipality_of_the_bundled_list_reaches_an_sll(bundled_lists):
    comuni, sll, bridge = bundled_lists
    sll_names = dict(zip(sll["PRO_COM_T"], sll["COMUNE"], strict=True))
    sll_regions = dict(zip(sll["PRO_COM_T"], sll["COD_REG_COM"], strict=True))
    list_regions = dict(zip(comuni["area_code"], comuni["region_code"], strict=True))
    direct = set(comuni["area_code"]) & set(sll_names)
    bridged = dict(zip(bridge["area_code"], bridge["new_area_code"], strict=True))
    assert bridge["area_code"].is_unique().all()
    assert not direct & set(bridged)
    assert direct | set(bridged) == set(comuni["area_code"])
    assert set(bridged.values()) <= set(sll_names)
    for code, name, new_code, new_name, change in bridge.iter_rows():
        assert new_name == sll_names[new_code]
        if change.startswith("renumbered"):
            assert _fold(name) == _fold(new_name), (code, name, new_code, new_name)
            assert list_regions[code] == sll_regions[new_code] == "20", (code, new_code)
    renumbered = bridge.filter(pl.col("change").str.starts_with("renumbered"))
    assert renumbered["new_area_code"].is_unique().all()
    merged = bridge.filter(~pl.col("change").str.starts_with("renumbered"))
    assert sorted(merged.select("area_code", "new_area_code").rows()) == sorted((m[0], m[2]) for m in MUNICIPALITY_MERGERS)


def test_bundled_bridge_is_what_the_function_computes(bundled_lists):
    _, _, bridge = bundled_lists
    assert BRIDGE_FILE.read_text(encoding="utf-8") == bridge.write_csv()


def test_nace_class_links_keep_only_class_to_class_rows():
    header = ["activitytype_from", "activitytype_to", "classification_from", "classification_to", "comment", "skos_uri"]
    rows = [
        header,
        ["C", "C", "isic_rev4", "nace_rev2", "one-to-one correspondence", "exact"],
        ["14", "14", "isic_rev4", "nace_rev2", "one-to-one correspondence", "exact"],
        ["141", "14.1", "isic_rev4", "nace_rev2", "one-to-many correspondence", "narrow"],
        ["1410", "14.13", "isic_rev4", "nace_rev2", "one-to-many correspondence", "narrow"],
        ["1410", "14.11", "isic_rev4", "nace_rev2", "one-to-many correspondence", "narrow"],
        ["total", "total", "isic_rev4", "nace_rev2", "one-to-one correspondence", "exact"],
    ]
    assert nace_class_links(rows) == [
        ["nace2_class", "isic4_class", "comment", "skos_uri"],
        ["14.11", "1410", "one-to-many correspondence", "narrow"],
        ["14.13", "1410", "one-to-many correspondence", "narrow"],
    ]
    with pytest.raises(ValueError, match="14.13 links to ISIC 1410 and 1420"):
        nace_class_links([*rows, ["1420", "14.13", "isic_rev4", "nace_rev2", "x", "y"]])


def test_bundled_nace_class_links_cover_every_nace_class_once():
    # SOURCE.txt of nace_isic: at class level 615 rows, 419 ISIC classes -> 615 NACE classes.
    with open(REFERENCE_DIR / NACE_CLASS_LINKS_FILE, newline="", encoding="utf-8") as handle:
        links = list(csv.DictReader(handle))
    assert len(links) == len({r["nace2_class"] for r in links}) == 615
    assert len({r["isic4_class"] for r in links}) == 419


# ---------------------------------------------------------------- re-made from the public sources


@reads_shared_sources
def test_the_public_sources_remake_the_bundled_files_exactly():
    remade = repaired_reference_files(SHARED)
    assert set(remade) == {
        *REPAIRED, *(set_aside_name(name) for name in REPAIRED), ISIC4_CLASSES_FILE, NACE_CLASS_LINKS_FILE,
    }
    for relative, content in remade.items():
        assert (REFERENCE_DIR / relative).read_bytes() == content, relative
    for source_folder, (target_folder, files) in VERBATIM.items():
        for name in files:
            assert (REFERENCE_DIR / target_folder / name).read_bytes() == (SHARED / source_folder / name).read_bytes()
    bridge = municipality_code_bridge(read_comuni(COMUNI_FILE), read_sll_composition(SHARED / "istat_sll" / "sll2021_comuni.csv"))
    assert BRIDGE_FILE.read_text(encoding="utf-8") == bridge.write_csv()


@reads_shared_sources
@pytest.mark.parametrize("bundled", sorted(REPAIRED))
def test_each_source_row_is_kept_or_set_aside_once_and_only_codes_change(bundled):
    source, repair, _ = REPAIRED[bundled]
    rows = read_csv_rows(SHARED / source)
    kept = read_csv_rows(REFERENCE_DIR / bundled)
    set_aside = read_csv_rows(REFERENCE_DIR / set_aside_name(bundled))
    assert (kept, set_aside) == repair(rows)
    assert kept[0] == rows[0] and len(kept) + len(set_aside) - 2 == len(rows) - 1
    aside = [row[:-1] for row in set_aside[1:]]
    remaining = iter(kept[1:])
    for row in rows[1:]:
        padded = row + [""] * (len(rows[0]) - len(row))
        if aside and padded == aside[0]:
            aside.pop(0)
            continue
        out = next(remaining)
        changed = [i for i, (a, b) in enumerate(zip(row, out, strict=True)) if a != b]
        # Only the NAICS table's ISIC code (column 5) changes: its leading zeros restored.
        assert changed in ([], [4]) and (not changed or bundled.endswith("naics2017_to_isic4.csv")), (row, out)
        if changed:
            assert out[4] == restore_leading_zeros(row[4], 4)
    assert aside == [] and next(remaining, None) is None

