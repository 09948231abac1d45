"""How the bundled reference files in ``raw/reference/`` are made from their public sources.

Most reference files are verbatim copies (each folder's SOURCE.txt names where from). Where a
source needs a documented transformation before the pipeline can read it, the transformation is
a pure function here, tested in ``tests/test_bundle_reference.py``, and ``main`` re-makes the
bundled files from a folder of the public sources (the project's ``shared/data``):

    python -m pipelines.bundle_reference ../shared/data

The pipeline itself never reads the sources folder; it reads only what this module bundled.

Transformations:

* ``municipality_code_bridge``: the ISTAT SLL 2021 composition uses today's municipality codes;
  the bundled municipality list (and registers keyed on it) uses the codes it was published with.
  The bridge names, for every municipality of the list whose code is absent from the SLL file, the
  code the SLL file knows it by: Sardinia's municipalities renumbered into the new provinces
  (matched by name within Sardinia), and the mergers listed in ``MUNICIPALITY_MERGERS``.
* ``nace_class_links``: the class-level rows of the UN ISIC Rev.4 <-> NACE Rev.2 correspondence,
  which link ATECO 2007 classes (= NACE Rev.2 classes) to ISIC Rev.4 classes.
* ``repair_naics_isic4``: the Census NAICS 2017 -> ISIC Rev.4 concordance stored ISIC codes as
  numbers; the bundled file has them back as 4-digit classes (``restore_leading_zeros``), and
  rows that name no NAICS code or only an ISIC group are set aside with their reason.
  ``isic4_classes`` lists every ISIC class the concordance names, once, with its title.
* ``repair_scian_ciiu``: INEGI's SCIAN -> CIIU table without its sector headings and its links
  to "several classes" (no SCIAN class to link), which are set aside with their reason.
* ``repair_hs_isic4``: the HS -> ISIC Rev.4 table without the products it links to no class.

Each repaired file has its set-aside rows beside it (``<name>.set_aside.csv``, the source row and
a ``reason``), never read by the pipeline; a row of an unexpected form raises ``ValueError``, so
that a new source version is never half repaired. The folder's SOURCE.txt gives the counts.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import sys
import unicodedata
from pathlib import Path

import polars as pl

from pipelines.paths import REFERENCE_DIR

# Mergers after the bundled municipality list was published: (code in the list, its name, code
# of the municipality that absorbed it or was created from it in the SLL file, that one's name,
# the act). Each one was checked against the two files; the test asserts that the names match.
MUNICIPALITY_MERGERS: tuple[tuple[str, str, str, str, str], ...] = (
    ("024027", "Castegnero", "024129", "Castegnero Nanto", "merger of Castegnero and Nanto (Veneto, 2025)"),
    ("024071", "Nanto", "024129", "Castegnero Nanto", "merger of Castegnero and Nanto (Veneto, 2025)"),
    (
        "018082",
        "Lirio",
        "018094",
        "Montalto Pavese",
        "Lirio incorporated into Montalto Pavese (Lombardia regional law 1/2026)",
    ),
)
SARDINIA_REGION_CODE = "20"
COMUNI_CODE = "Codice Comune formato alfanumerico"
COMUNI_NAME = "Denominazione in italiano"
COMUNI_REGION = "Codice Regione"

BRIDGE_COLUMNS = ("area_code", "area_name", "new_area_code", "new_area_name", "change")


def read_comuni(path: Path) -> pl.DataFrame:
    """The bundled ISTAT municipality list (``;``-separated, cp1252): code, name, region."""
    text = path.read_bytes().decode("cp1252")
    frame = pl.read_csv(text.encode("utf-8"), separator=";", infer_schema=False)
    return frame.select(
        pl.col(COMUNI_CODE).alias("area_code"),
        pl.col(COMUNI_NAME).alias("area_name"),
        pl.col(COMUNI_REGION).alias("region_code"),
    )


def read_sll_composition(path: Path) -> pl.DataFrame:
    """ISTAT's SLL 2021 composition as bundled: one row per municipality, codes as text."""
    return pl.read_csv(path, infer_schema=False)


def _name_key(name: str) -> str:
    """Names compared without case, accents or apostrophe variants (``Alà`` = ``ALA``)."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return " ".join(folded.replace("'", " ").replace("-", " ").lower().split())


def municipality_code_bridge(
    comuni: pl.DataFrame,
    sll: pl.DataFrame,
    mergers: tuple[tuple[str, str, str, str, str], ...] = MUNICIPALITY_MERGERS,
) -> pl.DataFrame:
    """Every municipality of ``comuni`` whose code is absent from ``sll``, with its code there.

    Raises ``ValueError`` naming the municipalities that neither a Sardinian renumbering (same
    name within Sardinia) nor a listed merger explains, so that a new list is never half bridged.
    """
    sll_codes = dict(zip(sll["PRO_COM_T"], sll["COMUNE"], strict=True))
    missing = comuni.filter(~pl.col("area_code").is_in(list(sll_codes)))
    merged = {m[0]: m for m in mergers}
    sardinia_new = {
        _name_key(name): code
        for code, name, region in zip(sll["PRO_COM_T"], sll["COMUNE"], sll["COD_REG_COM"], strict=True)
        if region == SARDINIA_REGION_CODE and code not in set(comuni["area_code"])
    }
    rows, unexplained = [], []
    for code, name, region in missing.select("area_code", "area_name", "region_code").iter_rows():
        if code in merged:
            _, listed_name, new_code, new_name, act = merged[code]
            if _name_key(listed_name) != _name_key(name) or sll_codes.get(new_code) != new_name:
                raise ValueError(f"merger {code} {listed_name} -> {new_code} {new_name} does not match the files")
            rows.append((code, name, new_code, new_name, act))
        elif region == SARDINIA_REGION_CODE and _name_key(name) in sardinia_new:
            new_code = sardinia_new[_name_key(name)]
            rows.append((code, name, new_code, sll_codes[new_code], "renumbered into Sardinia's new provinces"))
        else:
            unexplained.append(f"{code} {name}")
    if unexplained:
        raise ValueError(
            f"{len(unexplained)} municipalities of the list are not in the SLL file and no rule bridges them: "
            + ", ".join(unexplained[:10])
            + "; add them to MUNICIPALITY_MERGERS in pipelines/bundle_reference.py"
        )
    return pl.DataFrame(rows, schema=list(BRIDGE_COLUMNS), orient="row").sort("area_code")


def restore_leading_zeros(code: str, width: int) -> str:
    """A code that a spreadsheet stored as a number, back to its ``width`` digits.

    ``restore_leading_zeros("111", 4) == "0111"`` (ISIC class 0111); surrounding whitespace is
    dropped. Raises ``ValueError`` if the text is not a number of 1 to ``width`` digits.
    """
    digits = code.strip()
    if not digits.isdigit() or not digits.isascii() or len(digits) > width:
        raise ValueError(f"{code!r} is not a code of at most {width} digits stored as a number")
    return digits.zfill(width)


# ---------------------------------------------------------------- NAICS 2017 -> ISIC Rev.4 (Census)

# Columns of the concordance (sheet 1 of 2017_NAICS_to_ISIC_4.xlsx): part of NAICS, NAICS code, NAICS title,
# part of ISIC, ISIC code, ISIC title, notes (and an unnamed empty column).
NAICS_CODE, NAICS_TITLE, ISIC_CODE, ISIC_TITLE, NAICS_NOTE = 1, 2, 4, 5, 6
NAICS_ALL_INDUSTRIES = "Multiple NAICS industries"
ISIC_GROUP_LINK = "ISIC group level link"
ISIC4_CLASS_COLUMNS = ("isic4_code", "isic4_title")


def _padded(row: list[str], width: int) -> list[str]:
    return row + [""] * (width - len(row))


def repair_naics_isic4(rows: list[list[str]]) -> tuple[list[list[str]], list[list[str]]]:
    """The concordance's rows (header first) -> (bundled rows, set-aside rows), both header first.

    Kept rows are unchanged but for the ISIC code, restored to its 4 digits (``111`` -> ``0111``).
    Set aside, with a ``reason`` after the row's cells:

    * rows with no NAICS code (``0``, "Multiple NAICS industries"): the Census links ISIC 9810 and
      9820 to all of NAICS, which no 6-digit link can say;
    * "ISIC group level link" rows: the ISIC code is a 3-digit group (``12`` = group 012), no class
      of which the Census chose; padded to 4 digits it would read as a nonexistent class (0012).
    """
    header, body = rows[0], rows[1:]
    kept, set_aside, unexplained = [header], [[*header, "reason"]], []
    for line, row in enumerate(body, start=2):
        cells = _padded(row, len(header))
        naics, isic, note = cells[NAICS_CODE].strip(), cells[ISIC_CODE], cells[NAICS_NOTE].strip()
        if naics == "0" and cells[NAICS_TITLE].strip() == NAICS_ALL_INDUSTRIES:
            reason = (
                f"no NAICS code: the concordance links ISIC {restore_leading_zeros(isic, 4)} to all of NAICS "
                f"({NAICS_ALL_INDUSTRIES!r}); a 6-digit link would be invented"
            )
            set_aside.append([*cells, reason])
        elif not re.fullmatch(r"\d{6}", naics):
            unexplained.append(f"row {line}: NAICS {naics!r}")
        elif note.startswith(ISIC_GROUP_LINK):
            group = restore_leading_zeros(isic, 3)
            reason = (
                f"ISIC group-level link: group {group} ({cells[ISIC_TITLE].strip()}), no class named; "
                "choosing a class of the group would invent a link"
            )
            set_aside.append([*cells, reason])
        else:
            try:
                repaired = restore_leading_zeros(isic, 4)
            except ValueError as error:
                unexplained.append(f"row {line}: {error}")
                continue
            kept.append([*row[:ISIC_CODE], repaired, *row[ISIC_CODE + 1 :]])
    if unexplained:
        raise ValueError("NAICS -> ISIC rows no rule repairs or sets aside: " + "; ".join(unexplained[:10]))
    return kept, set_aside


def isic4_classes(rows: list[list[str]]) -> list[list[str]]:
    """Every ISIC Rev.4 class the concordance names, once, with its title (header ``isic4_code, isic4_title``).

    Classes of set-aside "all of NAICS" rows (9810, 9820) are classes all the same; ISIC groups are not.
    Raises ``ValueError`` if a class is named with two titles.
    """
    kept, set_aside = repair_naics_isic4(rows)
    titles: dict[str, set[str]] = {}
    for row in kept[1:]:
        titles.setdefault(row[ISIC_CODE], set()).add(row[ISIC_TITLE].strip())
    for row in set_aside[1:]:
        if not row[NAICS_NOTE].strip().startswith(ISIC_GROUP_LINK):
            titles.setdefault(restore_leading_zeros(row[ISIC_CODE], 4), set()).add(row[ISIC_TITLE].strip())
    twice = {code: sorted(names) for code, names in titles.items() if len(names) > 1}
    if twice:
        raise ValueError(f"ISIC classes named with two titles: {twice}")
    return [list(ISIC4_CLASS_COLUMNS), *([code, names.pop()] for code, names in sorted(titles.items()))]


# ---------------------------------------------------------------- SCIAN -> CIIU Rev.4 (INEGI)

SCIAN_COLUMNS = ("SCIAN", "SCIAN_string", "CIIU", "CIIU_string")
SCIAN_SECTOR_HEADING = re.compile(r"(\d{2}(?:-\d{2})?) \D+")
SCIAN_SEVERAL_CLASSES = "YYYYYY"
SCIAN_NO_LINK = "null"


def repair_scian_ciiu(rows: list[list[str]]) -> tuple[list[list[str]], list[list[str]]]:
    """INEGI's SCIAN -> CIIU rows (header first) -> (bundled rows, set-aside rows), both header first.

    Kept: a 6-digit SCIAN class and a 4-digit CIIU class, unchanged. Set aside, with a ``reason``:

    * sector headings (``21 MINERÍA``, CIIU ``null``): a sector, not a class, with no link; the
      flattened table repeats in them the title of the class before (which has its own rows);
    * ``YYYYYY`` rows ("Vínculo con varias clases"): INEGI links CIIU 9810 and 9820 to several SCIAN
      classes without naming them, so there is no class to link.
    """
    header, body = rows[0], rows[1:]
    if tuple(header) != SCIAN_COLUMNS:
        raise ValueError(f"SCIAN -> CIIU header {header} is not {list(SCIAN_COLUMNS)}")
    kept, set_aside, unexplained = [header], [[*header, "reason"]], []
    previous: list[str] | None = None
    for line, row in enumerate(body, start=2):
        scian, title, ciiu, _ = row
        heading = SCIAN_SECTOR_HEADING.fullmatch(scian)
        if re.fullmatch(r"\d{6}", scian) and re.fullmatch(r"\d{4}", ciiu):
            kept.append(row)
            previous = row
            continue
        if heading and ciiu == SCIAN_NO_LINK:
            reason = f"SCIAN sector heading (sector {heading.group(1)}), not a class, with no CIIU link"
            if previous is not None and previous[1] == title:
                reason += f"; its title is that of the class before it, {previous[0]}, which has its own rows"
            set_aside.append([*row, reason])
        elif scian == SCIAN_SEVERAL_CLASSES and re.fullmatch(r"\d{4}", ciiu):
            reason = (
                f"no SCIAN class: INEGI links CIIU {ciiu} to several SCIAN classes ({title!r}) without naming "
                "them; a class-level link would be invented"
            )
            set_aside.append([*row, reason])
        else:
            unexplained.append(f"row {line}: SCIAN {scian!r} CIIU {ciiu!r}")
    if unexplained:
        raise ValueError("SCIAN -> CIIU rows no rule repairs or sets aside: " + "; ".join(unexplained[:10]))
    return kept, set_aside


# ---------------------------------------------------------------- HS -> ISIC Rev.4 (R package concordance)

HS_COLUMNS = ("HS_6d", "HS_4d", "HS_2d", "ISIC4_4d", "ISIC4_3d", "ISIC4_2d", "ISIC4_1d")


def repair_hs_isic4(rows: list[list[str]]) -> tuple[list[list[str]], list[list[str]]]:
    """The HS -> ISIC Rev.4 rows (header first) -> (bundled rows, set-aside rows), both header first.

    Kept: a 6-digit HS product with its 4-digit ISIC class, unchanged. Set aside, with a ``reason``:
    products whose ISIC columns are all empty (the table links them to no class: waste, scrap,
    residues and similar by-products).
    """
    header, body = rows[0], rows[1:]
    if tuple(header) != HS_COLUMNS:
        raise ValueError(f"HS -> ISIC header {header} is not {list(HS_COLUMNS)}")
    kept, set_aside, unexplained = [header], [[*header, "reason"]], []
    for line, row in enumerate(body, start=2):
        hs, isic = row[0], row[3:]
        if not re.fullmatch(r"\d{6}", hs):
            unexplained.append(f"row {line}: HS {hs!r}")
        elif re.fullmatch(r"\d{4}", isic[0]):
            kept.append(row)
        elif not any(isic):
            set_aside.append([*row, f"the table links HS {hs} to no ISIC Rev.4 class"])
        else:
            unexplained.append(f"row {line}: ISIC {isic[0]!r}")
    if unexplained:
        raise ValueError("HS -> ISIC rows no rule repairs or sets aside: " + "; ".join(unexplained[:10]))
    return kept, set_aside


# ---------------------------------------------------------------- files

def read_csv_rows(path: Path) -> list[list[str]]:
    """Every record of a UTF-8 CSV file as text cells (line breaks inside quoted cells kept)."""
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def csv_bytes(rows: list[list[str]], line_end: str = "\n") -> bytes:
    """Rows written as CSV (minimal quoting), as the sources were: rewriting unchanged rows gives their bytes."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator=line_end).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def set_aside_name(name: str) -> str:
    """``hs_isic4.csv`` -> ``hs_isic4.set_aside.csv``."""
    return name.removesuffix(".csv") + ".set_aside.csv"


NACE_CLASS_LINKS_FILE = "nace_isic/nace2_isic4_classes.csv"
NACE_CLASS = re.compile(r"^\d{2}\.\d{2}$")
ISIC_CLASS = re.compile(r"^\d{4}$")


def nace_class_links(rows: list[list[str]]) -> list[list[str]]:
    """The UN ISIC Rev.4 <-> NACE Rev.2 correspondence (header first) -> its class-level links, header
    ``nace2_class, isic4_class, comment, skos_uri``, sorted by NACE class.

    The correspondence lists every level (sections, divisions, groups, classes); only a NACE class
    (``14.13``) against an ISIC class (``1410``) is a link between classes, and ATECO 2007 equals NACE
    Rev.2 down to the class, so these rows link ATECO classes to ISIC classes. Raises ``ValueError`` if a
    NACE class would link to two ISIC classes (the UN table puts each NACE class in one ISIC class).
    """
    header, body = rows[0], rows[1:]
    col = {name: i for i, name in enumerate(header)}
    links = sorted(
        [r[col["activitytype_to"]], r[col["activitytype_from"]], r[col["comment"]], r[col["skos_uri"]]]
        for r in body
        if NACE_CLASS.match(r[col["activitytype_to"]]) and ISIC_CLASS.match(r[col["activitytype_from"]])
    )
    seen: dict[str, str] = {}
    for nace, isic, _, _ in links:
        if seen.setdefault(nace, isic) != isic:
            raise ValueError(f"NACE class {nace} links to ISIC {seen[nace]} and {isic}; the table is not class-to-class")
    return [["nace2_class", "isic4_class", "comment", "skos_uri"], *links]


# Repaired files: bundled path (under raw/reference) -> (source path under the sources folder, repair, line end).
REPAIRED = {
    "crosswalks_un_census/naics2017_to_isic4.csv": (
        "crosswalks_un_census/naics2017_to_isic4.csv",
        repair_naics_isic4,
        "\r\n",
    ),
    "scian_ciiu_mx/scian_ciiu_correspondence.csv": (
        "scian_ciiu_mx/scian_ciiu_correspondence.csv",
        repair_scian_ciiu,
        "\r\n",
    ),
    "hs_isic4/hs_isic4.csv": ("crosswalks_un_census/hs_isic4.csv", repair_hs_isic4, "\n"),
}
ISIC4_CLASSES_FILE = "crosswalks_un_census/isic4_classes.csv"


def repaired_reference_files(sources: Path) -> dict[str, bytes]:
    """Path under raw/reference -> content, for every repaired file, its set-aside rows and the ISIC class list."""
    files: dict[str, bytes] = {}
    for bundled, (source, repair, line_end) in REPAIRED.items():
        rows = read_csv_rows(sources / source)
        kept, set_aside = repair(rows)
        files[bundled] = csv_bytes(kept, line_end)
        files[set_aside_name(bundled)] = csv_bytes(set_aside)
    concordance = read_csv_rows(sources / REPAIRED["crosswalks_un_census/naics2017_to_isic4.csv"][0])
    files[ISIC4_CLASSES_FILE] = csv_bytes(isic4_classes(concordance))
    files[NACE_CLASS_LINKS_FILE] = csv_bytes(
        nace_class_links(read_csv_rows(sources / "nace_isic" / "isic4_nace2_correspondence.csv"))
    )
    return files


# Folders copied verbatim: source folder -> bundled folder, files. The SOURCE.txt of istat_sll and
# nace_isic are the sources' notes with a "BUNDLED HERE" section that describes the files made here.
VERBATIM = {
    "us_cluster_mapping_2014": ("us_cluster_mapping_2014", ("cluster_naics2012.csv", "clusters.csv", "SOURCE.txt")),
    "istat_sll": ("istat_sll", ("sll2021_comuni.csv", "sll2021_specializzazione.csv")),
    "nace_isic": ("nace_isic", ("isic4_nace2_correspondence.csv", "LICENSE_package_MIT.txt")),
    # Boundaries for the report's maps (pipelines/report/geo.py).
    "geo_it_sll2021": ("geo_it_sll2021", ("sll2021_slim.geojson", "SOURCE.txt")),
    "geo_mx": ("geo_mx", ("mxmunicipio.topo.json", "mxstate.topo.json", "SOURCE.txt")),
    "us_geo": ("us_geo", ("us_counties_eas_msas.topo.json", "SOURCE.txt")),
}


def main(sources: Path, reference: Path = REFERENCE_DIR) -> None:
    for source_folder, (target_folder, files) in VERBATIM.items():
        target = reference / target_folder
        target.mkdir(parents=True, exist_ok=True)
        for name in files:
            shutil.copyfile(sources / source_folder / name, target / name)
            print(f"copied {source_folder}/{name} -> {target / name}")
    bridge = municipality_code_bridge(
        read_comuni(reference / "istat_comuni" / "Elenco-comuni-italiani.csv"),
        read_sll_composition(reference / "istat_sll" / "sll2021_comuni.csv"),
    )
    out = reference / "istat_sll" / "comuni_code_bridge.csv"
    bridge.write_csv(out)
    print(f"wrote {out} ({bridge.height} municipalities bridged)")
    for relative, content in repaired_reference_files(sources).items():
        target = reference / relative
        target.write_bytes(content)
        records = len(list(csv.reader(io.StringIO(content.decode("utf-8"), newline="")))) - 1
        print(f"wrote {target} ({records} rows)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "data")
