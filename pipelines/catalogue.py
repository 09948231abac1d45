"""The source catalogue: one YAML file per input source in ``assets/``.

An entry says where the files are, how to read them and how their columns map onto
a canonical contract (``pipelines/contracts.py``). Adding a country's registry is a
new YAML file, not new code, whenever an existing adapter fits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipelines.contracts import CONTRACTS, Contract
from pipelines.paths import CATALOGUE_DIR, REFERENCE_DIR, ProjectPaths, display

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
    encoding: str = "utf-8"
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


_REQUIRED = ("name", "kind", "contract", "adapter", "files")


def load_entry(path: Path) -> CatalogueEntry:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{display(path)}: not valid YAML ({exc}); fix the file.") from exc
    if not isinstance(raw, dict):
        raise CatalogueError(f"{display(path)}: expected a mapping at the top level.")
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise CatalogueError(f"{display(path)}: missing key(s) {', '.join(missing)}.")
    if raw["contract"] not in CONTRACTS:
        raise CatalogueError(
            f"{display(path)}: contract {raw['contract']!r} is unknown; use one of {', '.join(sorted(CONTRACTS))}."
        )
    if raw["kind"] not in ("statistics", "reference"):
        raise CatalogueError(f"{display(path)}: kind must be 'statistics' or 'reference'.")
    contract = CONTRACTS[raw["contract"]]
    columns = raw.get("columns") or {}
    unknown = [c for c in list(columns) + list(raw.get("constants") or {}) if c not in contract.field_names]
    if unknown:
        raise CatalogueError(
            f"{display(path)}: {', '.join(unknown)} not in contract {contract.name} "
            f"({', '.join(contract.field_names)})."
        )
    files = raw["files"]
    fmt = raw.get("format") or {}
    if raw["kind"] == "statistics" and YEAR_TOKEN not in files.get("pattern", ""):
        raise CatalogueError(
            f"{display(path)}: a statistics source is partitioned by year; its file pattern must contain {YEAR_TOKEN}."
        )
    return CatalogueEntry(
        name=raw["name"],
        title=raw.get("title", raw["name"]),
        kind=raw["kind"],
        contract=contract,
        adapter=raw["adapter"],
        root=files.get("root", "raw"),
        pattern=files["pattern"],
        country=raw.get("country"),
        encoding=fmt.get("encoding", "utf-8"),
        delimiter=fmt.get("delimiter", ","),
        columns=columns,
        constants=raw.get("constants") or {},
        code_patterns=raw.get("code_patterns") or {},
        references=raw.get("references") or {},
        zero_pad=raw.get("zero_pad") or {},
        recode=raw.get("recode") or {},
        options=raw.get("options") or {},
        deduplicate=bool(raw.get("deduplicate", False)),
        is_synthetic=bool(raw.get("is_synthetic", False)),
        licence=raw.get("licence", ""),
        publisher=raw.get("publisher", ""),
        provenance=raw.get("provenance", ""),
        yaml_path=path,
    )


def load_catalogue(folder: Path = CATALOGUE_DIR) -> list[CatalogueEntry]:
    entries = [load_entry(p) for p in sorted(folder.glob("*.yaml"))]
    names = [e.name for e in entries]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise CatalogueError(f"{display(folder)}: duplicate entry names {', '.join(sorted(dupes))}.")
    return entries
