"""The source catalogue: one YAML file per input source in ``assets/``.

An entry says where the files are, how to read them and how their columns map onto
a canonical contract (``pipelines/contracts.py``). Adding a country's registry is a
new YAML file, not new code, whenever an existing adapter fits.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from pipelines.contracts import CONTRACTS, Contract
from pipelines.paths import CATALOGUE_DIR, REFERENCE_DIR, ProjectPaths, display
from pipelines.sources.encoding import is_known as encoding_is_known

YEAR_TOKEN = "{ref_year}"


class CatalogueError(ValueError):
    """A catalogue YAML file is malformed."""


@dataclass(frozen=True)
class SourceFile:
    path: Path
    ref_year: int | None


@dataclass(frozen=True)
class CatalogueEntry:
    name: str
    title: str
    kind: str  # "statistics" (landing, partitioned country x year) or "reference"
    contract: Contract
    adapter: str
    root: str  # "raw" (the chosen input folder), "reference" (raw/reference) or "rule_set" (the run's rule-set file)
    pattern: str
    country: str | None
    encoding: str | tuple[str, ...] = "utf-8"  # one, the ones allowed (detected among them), or "auto"
    delimiter: str = ","
    columns: dict[str, str | int] = field(default_factory=dict)
    constants: dict[str, str | None] = field(default_factory=dict)
    code_patterns: dict[str, str] = field(default_factory=dict)
    references: dict[str, str] = field(default_factory=dict)
    zero_pad: dict[str, int] = field(default_factory=dict)
    recode: dict[str, dict] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    deduplicate: bool = False
    is_synthetic: bool = False
    licence: str = ""
    publisher: str = ""
    provenance: str = ""
    yaml_path: Path | None = None

    @property
    def is_partitioned(self) -> bool:
        return self.kind == "statistics"

    def base_dir(self, paths: ProjectPaths) -> Path:
        if self.root == "rule_set":
            return paths.rule_set_file.parent
        return REFERENCE_DIR if self.root == "reference" else paths.raw_dir

    def find_files(self, paths: ProjectPaths, ref_year: int | None = None) -> list[SourceFile]:
        """Files matching the pattern, with the year read from the path when it has one. The root
        ``rule_set`` is the rule-set file of the run (``ProjectPaths.rule_set_file``), whatever the pattern."""
        if self.root == "rule_set":
            return [SourceFile(path=paths.rule_set_file, ref_year=None)] if paths.rule_set_file.is_file() else []
        base = self.base_dir(paths)
        glob = self.pattern.replace(YEAR_TOKEN, str(ref_year) if ref_year else "[0-9]" * 4)
        escaped = re.escape(self.pattern).replace(r"\*", "[^/]*")
        token = re.escape(YEAR_TOKEN)
        # The first {ref_year} captures the year, later ones must repeat it.
        escaped = escaped.replace(token, r"(?P<ref_year>\d{4})", 1).replace(token, r"(?P=ref_year)")
        regex = re.compile("^" + escaped + "$")
        found = []
        for path in sorted(base.glob(glob)):
            if not path.is_file():
                continue
            match = regex.match(path.relative_to(base).as_posix())
            year = int(match.group("ref_year")) if match and "ref_year" in match.groupdict() else None
            found.append(SourceFile(path=path, ref_year=year))
        return found

    def partitions(self, paths: ProjectPaths) -> list[tuple[str, int]]:
        """(country, ref_year) pairs for which files exist."""
        if not self.is_partitioned or self.country is None:
            return []
        years = sorted({f.ref_year for f in self.find_files(paths) if f.ref_year is not None})
        return [(self.country, y) for y in years]


class _Files(BaseModel):
    model_config = ConfigDict(extra="forbid")
    root: Literal["raw", "reference", "rule_set"] = "raw"
    pattern: str


class _Format(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # One encoding; a list of the encodings the source is known to ship in (the file's is detected among them);
    # or "auto" (detected among all).
    encoding: str | list[str] = "utf-8"
    delimiter: str = ","


class _EntryFile(BaseModel):
    """The schema of a catalogue YAML file: every key it may have; any other key is an error."""

    model_config = ConfigDict(extra="forbid")
    name: str
    title: str | None = None
    kind: Literal["statistics", "reference"]
    contract: str
    adapter: str
    country: str | None = None
    files: _Files
    format: _Format = _Format()
    columns: dict[str, str | int] = {}
    constants: dict[str, str | int | float | None] = {}
    code_patterns: dict[str, str] = {}
    references: dict[str, str] = {}
    zero_pad: dict[str, int] = {}
    recode: dict[str, dict[str | None, str | None]] = {}
    options: dict[str, Any] = {}
    deduplicate: bool = False
    is_synthetic: bool = False
    licence: str = ""
    publisher: str = ""
    provenance: str = ""


def key_line(path: Path, *keys: str) -> int | None:
    """The 1-based line of a (nested) key in a YAML file, or None when the key is not there."""
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            return None
        found = next(((k, v) for k, v in node.value if k.value == key), None)
        if found is None:
            return None
        key_node, node = found
    return key_node.start_mark.line + 1


def _schema_error(path: Path, exc: ValidationError) -> CatalogueError:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"])
        line = key_line(path, *[str(p) for p in error["loc"]]) or key_line(path, *[str(p) for p in error["loc"][:-1]])
        at = f" (line {line})" if line else ""
        if error["type"] == "extra_forbidden":
            known = _known_keys(error["loc"][:-1])
            hint = difflib.get_close_matches(str(error["loc"][-1]), known, n=1)
            suggestion = f" (did you mean `{hint[0]}`?)" if hint else f" (known keys here: {', '.join(known)})"
            problems.append(f"unknown key `{where}`{at}{suggestion}")
        elif error["type"] == "missing":
            problems.append(f"missing key `{where}`")
        else:
            problems.append(f"`{where}`{at}: {error['msg']}")
    return CatalogueError(
        f"{display(path)}: " + "; ".join(problems) + ". Fix the file (README, \"Adding a source\", lists the keys)."
    )


def _known_keys(loc: tuple) -> list[str]:
    model: type[BaseModel] = _EntryFile
    for part in loc:
        annotation = model.model_fields[str(part)].annotation
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)


def load_entry(path: Path) -> CatalogueEntry:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{display(path)}: not valid YAML ({exc}); fix the file.") from exc
    if not isinstance(raw, dict):
        raise CatalogueError(f"{display(path)}: expected a mapping at the top level.")
    try:
        spec = _EntryFile.model_validate(raw)
    except ValidationError as exc:
        raise _schema_error(path, exc) from None
    if spec.contract not in CONTRACTS:
        raise CatalogueError(
            f"{display(path)} line {key_line(path, 'contract')}: contract {spec.contract!r} is unknown; use one of "
            f"{', '.join(sorted(CONTRACTS))}."
        )
    contract = CONTRACTS[spec.contract]
    unknown = [c for c in list(spec.columns) + list(spec.constants) if c not in contract.field_names]
    if unknown:
        raise CatalogueError(
            f"{display(path)}: {', '.join(unknown)} not in contract {contract.name} "
            f"({', '.join(contract.field_names)})."
        )
    if spec.kind == "statistics" and YEAR_TOKEN not in spec.files.pattern:
        raise CatalogueError(
            f"{display(path)}: a statistics source is partitioned by year; its file pattern must contain {YEAR_TOKEN}."
        )
    encodings = spec.format.encoding if isinstance(spec.format.encoding, list) else [spec.format.encoding]
    for name in encodings:
        if not encoding_is_known(name):
            raise CatalogueError(
                f"{display(path)} line {key_line(path, 'format', 'encoding')}: encoding {name!r} is not known; use a "
                "Python codec name (utf-8, cp1252, latin-1, utf-16), a list of them, or auto."
            )
    return CatalogueEntry(
        name=spec.name,
        title=spec.title or spec.name,
        kind=spec.kind,
        contract=contract,
        adapter=spec.adapter,
        root=spec.files.root,
        pattern=spec.files.pattern,
        country=spec.country,
        encoding=spec.format.encoding if isinstance(spec.format.encoding, str) else tuple(spec.format.encoding),
        delimiter=spec.format.delimiter,
        columns=spec.columns,
        constants={k: None if v is None else str(v) for k, v in spec.constants.items()},
        code_patterns=spec.code_patterns,
        references=spec.references,
        zero_pad=spec.zero_pad,
        recode=spec.recode,
        options=spec.options,
        deduplicate=spec.deduplicate,
        is_synthetic=spec.is_synthetic,
        licence=spec.licence,
        publisher=spec.publisher,
        provenance=spec.provenance,
        yaml_path=path,
    )


def load_catalogue(folder: Path = CATALOGUE_DIR) -> list[CatalogueEntry]:
    entries = [load_entry(p) for p in sorted(folder.glob("*.yaml"))]
    names = [e.name for e in entries]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise CatalogueError(f"{display(folder)}: duplicate entry names {', '.join(sorted(dupes))}.")
    return entries
