"""SDMX export of a release: SDMX-CSV 2.0 data and an SDMX-ML 2.1 structure message, built with pysdmx.

The structure (data structure definition, concepts, closed code lists, dataflows) is kept as a file,
``pipelines/defs/publish/sdmx_structure.yaml``. The open code lists (REF_AREA, DISTRICT, ACTIVITY) are completed
from the release's own tables, so every code a data file uses is in the structure it ships with.

``export_release`` writes, into one folder:

* ``structure.xml``: the structure message (code lists, concept scheme, DSD, dataflows);
* ``<DATAFLOW>.csv``: one SDMX-CSV 2.0 file per dataflow, rows sorted by their key.

and then reads both back with pysdmx (the structure validated against the SDMX-ML 2.1 XML schema, the data
assigned to its dataflow's structure) and checks every observation against it (``validate_dataset``): the
columns are the structure's components, every coded value is in its code list, required attributes are
present, keys are unique, and a value withheld for confidentiality is empty (NaN), never a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from pipelines.paths import SDMX_STRUCTURE_FILE, display

# SDMX identifiers (IDType of SDMX-ML 2.1): letters, digits, _ @ $ -.
_ID_PATTERN = re.compile(r"[A-Za-z0-9_@$\-]+")
_NOT_ID_CHARACTER = re.compile(r"[^A-Za-z0-9_@$\-]")
NOT_APPLICABLE = "_Z"
STRUCTURE_FILE_NAME = "structure.xml"
# Statuses under which a value is withheld (CL_CONF_STATUS): everything but free.
WITHHELD = ("A", "O", "T", "D", "C")


class SdmxInvalid(ValueError):
    """An SDMX file that does not match its structure, or a release the structure cannot describe."""


def sdmx_id(code: str) -> str:
    """A code as an SDMX identifier: characters SDMX does not allow in ids become "_" (``13.20`` -> ``13_20``)."""
    return _NOT_ID_CHARACTER.sub("_", str(code))


def _sql_sdmx_id(expression: str) -> str:
    """``sdmx_id`` as a DuckDB expression."""
    return f"regexp_replace({expression}, '{_NOT_ID_CHARACTER.pattern}', '_', 'g')"


@dataclass(frozen=True)
class Structure:
    """The structure file, read: agency, version, components in DSD order, code lists, dataflows."""

    agency: str
    version: str
    dsd_id: str
    dsd_name: str
    concept_scheme_id: str
    concept_scheme_name: str
    components: list[dict]
    codelists: dict[str, dict]
    dataflows: dict[str, dict]

    @property
    def dimensions(self) -> list[str]:
        return [c["id"] for c in self.components if c["role"] == "dimension"]

    def indicator_unit(self, indicator: str) -> str:
        return self.codelists["CL_INDICATOR"]["codes"][indicator]["unit"]


def load_structure(path: Path = SDMX_STRUCTURE_FILE) -> Structure:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    structure = Structure(
        agency=raw["agency"], version=str(raw["version"]), dsd_id=raw["dsd"]["id"], dsd_name=raw["dsd"]["name"],
        concept_scheme_id=raw["concept_scheme"]["id"], concept_scheme_name=raw["concept_scheme"]["name"],
        components=raw["components"], codelists=raw["codelists"], dataflows=raw["dataflows"],
    )
    for component in structure.components:
        codelist = component.get("codelist")
        if codelist and not component.get("open") and codelist not in structure.codelists:
            raise SdmxInvalid(f"{display(path)}: component {component['id']} names code list {codelist}, "
                              "which the file does not define.")
    for indicator, code in structure.codelists["CL_INDICATOR"]["codes"].items():
        if code["unit"] not in structure.codelists["CL_UNIT_MEASURE"]["codes"]:
            raise SdmxInvalid(f"{display(path)}: indicator {indicator} has unit {code['unit']}, "
                              "which is not in CL_UNIT_MEASURE.")
    return structure


# --- observations from the release's tables ------------------------------------------------------------------


def _district_indicators(con: duckdb.DuckDBPyConnection, release_dir: Path) -> pd.DataFrame:
    return con.execute(
        f"""
        select
            i.country, i.district_id, {_sql_sdmx_id("i.district_id")} as district_sdmx_id, d.district_name,
            d.industry_system, d.main_industry_code as industry_code,
            {_sql_sdmx_id("d.main_industry_code")} as industry_sdmx_id, d.main_industry_name as industry_name,
            upper(i.indicator) as indicator, i.unit as unit_text,
            cast(i.ref_year as varchar) as time_period, i.obs_value, i.obs_status, i.conf_status
        from read_parquet(?) as i
        join read_parquet(?) as d using (district_id, ref_year)
        order by i.district_id, i.indicator, i.ref_year
        """,
        [str(release_dir / "district_indicators.parquet"), str(release_dir / "districts.parquet")],
    ).df()


def _area_industry(con: duckdb.DuckDBPyConnection, release_dir: Path, indicators: dict[str, dict]) -> pd.DataFrame:
    # Each column takes the status column the table gives it (lq: lq_conf_status). County Business Patterns
    # withholds employment only (conf_status C): a value it publishes beside it is free.
    unpivoted = " union all ".join(
        f"""select country, area_code, area_name, industry_system, industry_code, industry_name,
                   '{spec["code"]}' as indicator, ref_year, cast("{column}" as double) as obs_value, obs_status,
                   case when "{status}" = 'C' and "{column}" is not null then 'F' else "{status}" end
                       as conf_status
            from read_parquet(?)"""
        for column, spec in indicators.items()
        for status in [spec.get("conf_status", "conf_status")]
    )
    return con.execute(
        f"""
        select country, area_code, {_sql_sdmx_id("area_code")} as area_sdmx_id, area_name, industry_system,
               industry_code, {_sql_sdmx_id("industry_code")} as industry_sdmx_id, industry_name, indicator,
               null::varchar as unit_text, cast(ref_year as varchar) as time_period, obs_value, obs_status,
               conf_status
        from ({unpivoted})
        order by country, area_code, industry_system, industry_code, indicator, ref_year
        """,
        [str(release_dir / "area_industry.parquet")] * len(indicators),
    ).df()


@dataclass
class Observations:
    dataflow: str
    frame: pd.DataFrame  # the dataflow's components as columns, SDMX ids


def _observations(structure: Structure, release_dir: Path
                  ) -> tuple[list[Observations], dict[str, dict[str, str]], dict[str, str]]:
    """Every dataflow's observations with SDMX ids, the open code lists they use (id -> name), and the tables'
    wording of each indicator's unit (indicator -> text)."""
    con = duckdb.connect()
    open_codes: dict[str, dict[str, str]] = {"CL_REF_AREA": {}, "CL_DISTRICT": {}, "CL_ACTIVITY": {}}
    unit_texts: dict[str, set[str]] = {}
    out = []
    try:
        for flow_id, flow in structure.dataflows.items():
            table = flow["table"]
            if not (release_dir / f"{table}.parquet").exists():
                raise SdmxInvalid(f"release {release_dir.name} has no table {table} for dataflow {flow_id}.")
            if table == "district_indicators":
                rows = _district_indicators(con, release_dir)
                ref_area = rows["country"]
                district = rows["district_sdmx_id"]
                _collect(open_codes["CL_DISTRICT"], district, rows["district_name"], rows["district_id"])
                _collect(open_codes["CL_REF_AREA"], ref_area, ref_area, ref_area)
            else:
                _require_columns(con, release_dir, table, [
                    spec.get("conf_status", "conf_status") for spec in flow["indicators"].values()])
                rows = _area_industry(con, release_dir, flow["indicators"])
                ref_area = rows["country"] + "_" + rows["area_sdmx_id"]
                district = pd.Series(NOT_APPLICABLE, index=rows.index)
                _collect(open_codes["CL_REF_AREA"], ref_area, rows["country"] + " " + rows["area_name"].fillna(""),
                         rows["country"] + " " + rows["area_code"])
            activity = rows["industry_system"] + "_" + rows["industry_sdmx_id"]
            _collect(open_codes["CL_ACTIVITY"], activity, rows["industry_name"].fillna(""),
                     rows["industry_system"] + " " + rows["industry_code"])
            unknown = sorted(set(rows["indicator"]) - set(structure.codelists["CL_INDICATOR"]["codes"]))
            if unknown:
                raise SdmxInvalid(
                    f"table {table} of release {release_dir.name} has indicators that CL_INDICATOR does not list: "
                    f"{', '.join(unknown)}; add them with their unit to {display(SDMX_STRUCTURE_FILE)}."
                )
            for indicator, text in rows[["indicator", "unit_text"]].drop_duplicates().itertuples(index=False):
                if text is not None:
                    unit_texts.setdefault(indicator, set()).add(text)
            frame = pd.DataFrame({
                "FREQ": "A",
                "REF_AREA": ref_area,
                "DISTRICT": district,
                "ACTIVITY": activity,
                "INDICATOR": rows["indicator"],
                "UNIT_MEASURE": rows["indicator"].map(structure.indicator_unit),
                "TIME_PERIOD": rows["time_period"],
                "OBS_VALUE": rows["obs_value"].astype("float64"),
                "OBS_STATUS": rows["obs_status"],
                "CONF_STATUS": rows["conf_status"],
            })
            out.append(Observations(flow_id, frame.reset_index(drop=True)))
    finally:
        con.close()
    open_codes["CL_DISTRICT"][NOT_APPLICABLE] = "Not applicable"
    return out, open_codes, {k: "; ".join(sorted(v)) for k, v in unit_texts.items()}


def _require_columns(con: duckdb.DuckDBPyConnection, release_dir: Path, table: str, columns: list[str]) -> None:
    present = {r[0] for r in con.execute("describe select * from read_parquet(?)",
                                         [str(release_dir / f"{table}.parquet")]).fetchall()}
    missing = [c for c in dict.fromkeys(columns) if c not in present]
    if missing:
        raise SdmxInvalid(f"table {table} of release {release_dir.name} has no column {', '.join(missing)}: the "
                          "release was published by an older version; export a release published since.")


def _collect(codes: dict[str, str], ids: pd.Series, names: pd.Series, originals: pd.Series) -> None:
    """Add ids with their names to an open code list; two original codes written as one id is an error."""
    seen: dict[str, str] = {}
    distinct = pd.DataFrame({"id": ids, "name": names, "original": originals}).drop_duplicates()
    for code, name, original in distinct.itertuples(index=False):
        if code in codes or code in seen:
            if seen.get(code, original) != original:
                raise SdmxInvalid(f"codes {seen[code]!r} and {original!r} are both written {code!r} as SDMX ids.")
            continue
        seen[code] = original
        codes[code] = name if original == code else f"{name} [{original}]" if name else original


# --- the structure message -----------------------------------------------------------------------------------


def build_structure(structure: Structure, open_codes: dict[str, dict[str, str]],
                    unit_texts: dict[str, str] | None = None) -> list:
    """pysdmx artefacts: code lists, concept scheme, DSD and dataflows."""
    from pysdmx.model import Code, Codelist, Concept, ConceptScheme, DataType, Role
    from pysdmx.model.dataflow import Component, Components, Dataflow, DataStructureDefinition

    agency, version = structure.agency, structure.version
    unit_texts = unit_texts or {}
    codelists = {}
    for cl_id, cl in structure.codelists.items():
        items = []
        for code, value in cl["codes"].items():
            if isinstance(value, dict):
                description = unit_texts.get(code)
                items.append(Code(id=code, name=value["name"], description=description))
            else:
                items.append(Code(id=code, name=value))
        codelists[cl_id] = Codelist(id=cl_id, agency=agency, version=version, name=cl["name"], items=items)
    for cl_id in ("CL_REF_AREA", "CL_DISTRICT", "CL_ACTIVITY"):
        names = {"CL_REF_AREA": "Reference area", "CL_DISTRICT": "Industrial district",
                 "CL_ACTIVITY": "Economic activity (national classification)"}
        codelists[cl_id] = Codelist(
            id=cl_id, agency=agency, version=version, name=names[cl_id],
            items=[Code(id=code, name=name or code) for code, name in sorted(open_codes[cl_id].items())],
        )

    def concept_urn(concept_id: str) -> str:
        return (f"urn:sdmx:org.sdmx.infomodel.conceptscheme.Concept="
                f"{agency}:{structure.concept_scheme_id}({version}).{concept_id}")

    concepts = {c["id"]: Concept(id=c["id"], name=c["name"], urn=concept_urn(c["id"])) for c in structure.components}
    scheme = ConceptScheme(id=structure.concept_scheme_id, agency=agency, version=version,
                           name=structure.concept_scheme_name, items=list(concepts.values()))
    roles = {"dimension": Role.DIMENSION, "measure": Role.MEASURE, "attribute": Role.ATTRIBUTE}
    dtypes = {"period": DataType.PERIOD, "double": DataType.DOUBLE}
    components = []
    for c in structure.components:
        kwargs = {"attachment_level": "O"} if c["role"] == "attribute" else {}
        components.append(Component(
            id=c["id"], required=c["role"] != "attribute" or bool(c.get("required")), role=roles[c["role"]],
            concept=concepts[c["id"]], local_dtype=dtypes.get(c.get("dtype"), DataType.STRING),
            local_codes=codelists[c["codelist"]] if c.get("codelist") else None, **kwargs,
        ))
    dsd = DataStructureDefinition(id=structure.dsd_id, agency=agency, version=version, name=structure.dsd_name,
                                  components=Components(components))
    flows = [Dataflow(id=flow_id, agency=agency, version=version, name=flow["name"], structure=dsd)
             for flow_id, flow in structure.dataflows.items()]
    return [*codelists.values(), scheme, dsd, *flows]


# --- export and validation -----------------------------------------------------------------------------------


@dataclass
class SdmxExport:
    out_dir: Path
    structure_file: Path
    data_files: dict[str, Path]
    observations: dict[str, int]
    withheld: dict[str, int]


def export_release(release_dir: Path, out_dir: Path, structure: Structure | None = None) -> SdmxExport:
    """Write the release's SDMX files into ``out_dir`` and validate them (``validate_export``)."""
    from pysdmx.io.format import Format
    from pysdmx.io.pd import PandasDataset
    from pysdmx.io.writer import write_sdmx
    from pysdmx.model.dataflow import Schema

    structure = structure or load_structure()
    observations, open_codes, unit_texts = _observations(structure, release_dir)
    artefacts = build_structure(structure, open_codes, unit_texts)
    out_dir.mkdir(parents=True, exist_ok=True)
    structure_file = out_dir / STRUCTURE_FILE_NAME
    write_sdmx(artefacts, Format.STRUCTURE_SDMX_ML_2_1, output_path=str(structure_file), header=_header(release_dir, structure.agency))
    dsd = next(a for a in artefacts if type(a).__name__ == "DataStructureDefinition")
    data_files = {}
    for obs in observations:
        schema = Schema(context="dataflow", agency=structure.agency, id=obs.dataflow, version=structure.version,
                        components=dsd.components)
        target = out_dir / f"{obs.dataflow}.csv"
        write_sdmx(PandasDataset(structure=schema, data=obs.frame), Format.DATA_SDMX_CSV_2_0_0,
                   output_path=str(target))
        data_files[obs.dataflow] = target
    export = SdmxExport(
        out_dir, structure_file, data_files,
        observations={o.dataflow: len(o.frame) for o in observations},
        withheld={o.dataflow: int(o.frame["CONF_STATUS"].isin(WITHHELD).sum()) for o in observations},
    )
    validate_export(export)
    return export


def _header(release_dir: Path, agency: str):
    """A fixed message header (id = the release, prepared = its creation time), so two exports of one release
    are byte-identical."""
    import json
    from datetime import datetime

    from pysdmx.model import Organisation
    from pysdmx.model.message import Header

    manifest = json.loads((release_dir / "manifest.json").read_text(encoding="utf-8"))
    return Header(id=f"CROSSCLUSTER_{manifest['release_id']}", test=False,
                  prepared=datetime.fromisoformat(manifest["created_at"]), sender=Organisation(id=agency))


def validate_export(export: SdmxExport) -> None:
    """Read the files back with pysdmx and check every observation against its dataflow's structure."""
    from pysdmx.io import get_datasets, read_sdmx

    try:
        read_sdmx(export.structure_file, validate=True)  # the SDMX-ML 2.1 XML schema
    except Exception as exc:  # pysdmx raises its own Invalid with the schema's messages
        raise SdmxInvalid(f"{display(export.structure_file)} does not validate: {exc}") from exc
    for flow_id, data_file in export.data_files.items():
        datasets = get_datasets(data_file, export.structure_file)
        if len(datasets) != 1:
            raise SdmxInvalid(f"{display(data_file)} holds {len(datasets)} datasets; one was written.")
        problems = validate_dataset(datasets[0].data, datasets[0].structure)
        if problems:
            raise SdmxInvalid(f"{display(data_file)} does not match dataflow {flow_id}: " + "; ".join(problems))


def validate_dataset(frame: pd.DataFrame, schema) -> list[str]:
    """What is wrong with an SDMX-CSV dataset read by pysdmx against its structure (a Schema): nothing -> []."""
    problems = []
    components = list(schema.components)
    ids = [c.id for c in components]
    columns = [c for c in frame.columns if c not in ("STRUCTURE", "STRUCTURE_ID", "ACTION")]
    if columns != ids:
        return [f"columns {columns} are not the structure's components {ids}"]
    for c in components:
        values = frame[c.id].astype(object)
        missing = values.isna()
        if c.role.name == "MEASURE":
            continue
        if c.required and missing.any():
            problems.append(f"{c.id} is empty on {int(missing.sum())} rows (first: row {int(missing.idxmax()) + 2})")
        if c.local_codes is not None:
            allowed = {code.id for code in c.local_codes.items}
            bad = sorted(set(values[~missing].unique()) - allowed)
            if bad:
                problems.append(f"{c.id} has codes not in {c.local_codes.id}: {', '.join(map(str, bad[:5]))}")
        elif c.id == "TIME_PERIOD":
            bad = sorted(v for v in values[~missing].unique() if not re.fullmatch(r"\d{4}", str(v)))
            if bad:
                problems.append(f"TIME_PERIOD has values that are not years: {', '.join(bad[:5])}")
        if c.role.name == "DIMENSION" and c.local_codes is not None:
            bad_ids = [v for v in values[~missing].unique() if not _ID_PATTERN.fullmatch(str(v))]
            if bad_ids:
                problems.append(f"{c.id} has values that are not SDMX ids: {', '.join(map(str, bad_ids[:5]))}")
    dimensions = [c.id for c in components if c.role.name == "DIMENSION"]
    duplicated = frame.duplicated(subset=dimensions)
    if duplicated.any():
        first = frame.loc[duplicated.idxmax(), dimensions].to_dict()
        problems.append(f"{int(duplicated.sum())} rows repeat a key (first: {first})")
    # SDMX-CSV writes a missing value as NaN, which pyarrow-backed columns hold as a number: compare as floats.
    value = pd.to_numeric(frame["OBS_VALUE"], errors="coerce").astype("float64")
    shown = value.notna() & frame["CONF_STATUS"].isin(WITHHELD)
    if shown.any():
        problems.append(f"{int(shown.sum())} observations withheld by CONF_STATUS carry a value "
                        f"(first: row {int(shown.idxmax()) + 2})")
    unexplained = value.isna() & (frame["CONF_STATUS"] == "F") & (frame["OBS_STATUS"] != "L")
    if unexplained.any():
        problems.append(f"{int(unexplained.sum())} free observations have no value and no OBS_STATUS L "
                        f"(first: row {int(unexplained.idxmax()) + 2})")
    return problems
