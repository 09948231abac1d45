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
"""

from __future__ import annotations

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


# Folders copied verbatim: source folder -> bundled folder, files.
VERBATIM = {
    "us_cluster_mapping_2014": ("us_cluster_mapping_2014", ("cluster_naics2012.csv", "clusters.csv", "SOURCE.txt")),
    "istat_sll": ("istat_sll", ("sll2021_comuni.csv", "sll2021_specializzazione.csv", "SOURCE.txt")),
    "nace_isic": ("nace_isic", ("isic4_nace2_correspondence.csv", "LICENSE_package_MIT.txt", "SOURCE.txt")),
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


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "data")
