"""Every path of the project, built once from the repository root.

Two folders can be moved with environment variables, so that tests and users can
run the pipeline on other inputs or into another warehouse without touching code:

* ``CROSSCLUSTER_RAW_DIR``: the input folder (default ``raw/sample``, the bundled data);
* ``CROSSCLUSTER_WAREHOUSE_DIR``: the output folder (default ``warehouse``);
* ``CROSSCLUSTER_RULE_SET``: the rule-set file (default ``dbt_project/rule_sets/district_v1.csv``),
  as ``crosscluster refresh --rule-set FILE`` sets it.

Reference data (classifications, crosswalks, cluster definitions, area lists) ships
with the project in ``raw/reference`` and is read from there whatever the input folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CATALOGUE_DIR = REPO_ROOT / "assets"
REFERENCE_DIR = REPO_ROOT / "raw" / "reference"
SAMPLE_RAW_DIR = REPO_ROOT / "raw" / "sample"
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
DEFAULT_WAREHOUSE_DIR = REPO_ROOT / "warehouse"
RULE_SETS_DIR = DBT_PROJECT_DIR / "rule_sets"
# What the dbt project's content is (models, macros, seeds, tests, configuration), under DBT_PROJECT_DIR.
DBT_PROJECT_SOURCES = ("models", "macros", "seeds", "tests", "dbt_project.yml")
# The Dagster instance configuration the project ships (DAGSTER_HOME); run history is kept per warehouse.
DAGSTER_HOME_DIR = REPO_ROOT / "dagster_home"
DEFAULT_RULE_SET_FILE = RULE_SETS_DIR / "district_v1.csv"
# The SDMX data structure definition, concepts, closed code lists and dataflows of the export (pipelines/sdmx.py).
SDMX_STRUCTURE_FILE = REPO_ROOT / "pipelines" / "defs" / "publish" / "sdmx_structure.yaml"

RAW_DIR_ENV = "CROSSCLUSTER_RAW_DIR"
WAREHOUSE_DIR_ENV = "CROSSCLUSTER_WAREHOUSE_DIR"
RULE_SET_ENV = "CROSSCLUSTER_RULE_SET"
# Read by dbt_project/profiles.yml.
WAREHOUSE_DB_ENV = "CROSSCLUSTER_WAREHOUSE_DB"
# Read by dagster_home/dagster.yaml: where the instance stores runs, events, schedules and sensor ticks.
DAGSTER_STORAGE_ENV = "CROSSCLUSTER_DAGSTER_STORAGE"


@dataclass(frozen=True)
class ProjectPaths:
    raw_dir: Path
    warehouse_dir: Path
    # The rules every threshold of the models is read from (pipelines/rules.py, reference.rule_parameters).
    rule_set_file: Path = DEFAULT_RULE_SET_FILE

    @property
    def warehouse_db(self) -> Path:
        """The one file the pipeline writes."""
        return self.warehouse_dir / "warehouse.duckdb"

    @property
    def releases_dir(self) -> Path:
        return self.warehouse_dir / "releases"

    @property
    def latest_release_file(self) -> Path:
        """releases/latest.json: which release the serving file holds (written by publish and restore)."""
        return self.releases_dir / "latest.json"

    @property
    def published_dir(self) -> Path:
        return self.warehouse_dir / "published"

    @property
    def published_db(self) -> Path:
        """The read-only copy users and BI tools open."""
        return self.published_dir / "indicators.duckdb"

    @property
    def sdmx_dir(self) -> Path:
        """Where ``crosscluster export sdmx`` writes a release's SDMX files by default (one folder per release)."""
        return self.warehouse_dir / "sdmx"

    @property
    def dagster_storage(self) -> Path:
        """The Dagster run history of this warehouse (runs, events, schedule and sensor ticks)."""
        return self.warehouse_dir / "dagster"

    @property
    def dbt_target_dir(self) -> Path:
        """dbt's artefacts of this warehouse's builds (run results, compiled SQL, partial-parse state): kept
        with the warehouse, so two warehouses never share them and each keeps its own partial parse."""
        return self.warehouse_dir / "dbt_target"

    @property
    def built_project_file(self) -> Path:
        """The dbt project's hash (pipelines.plan.dbt_project_sha256) of the warehouse's last successful build:
        another project is built with --full-refresh."""
        return self.dbt_target_dir / "built_project.sha256"

    @property
    def logs_dir(self) -> Path:
        """The refresh logs and dbt's own log file."""
        return self.warehouse_dir / "logs"

    @property
    def reports_dir(self) -> Path:
        """The static reports written by ``crosscluster report``, one folder per release."""
        return self.warehouse_dir / "report"

    def report_dir(self, release_id: str) -> Path:
        return self.reports_dir / release_id

    def ensure(self) -> None:
        for folder in (self.warehouse_dir, self.releases_dir, self.published_dir, self.dagster_storage):
            folder.mkdir(parents=True, exist_ok=True)


def project_paths() -> ProjectPaths:
    """Paths for this process, honouring the environment overrides."""
    raw = Path(os.environ.get(RAW_DIR_ENV) or SAMPLE_RAW_DIR).resolve()
    warehouse = Path(os.environ.get(WAREHOUSE_DIR_ENV) or DEFAULT_WAREHOUSE_DIR).resolve()
    rules = Path(os.environ.get(RULE_SET_ENV) or DEFAULT_RULE_SET_FILE).resolve()
    return ProjectPaths(raw_dir=raw, warehouse_dir=warehouse, rule_set_file=rules)


def display(path: Path) -> str:
    """A path as users should read it: relative to the repository when inside it."""
    try:
        return str(Path(path).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)
