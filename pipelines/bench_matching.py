"""Benchmark: partner matching at scale (N first-bloc x N second-bloc districts).

``crosscluster bench-matching --districts 300 --districts 1000`` builds, for each N, a DuckDB
file holding the inputs of the matching models as the pipeline would have written them
(``intermediate.int_match_profiles``, ``int_region_isic_division``, ``int_match_capabilities``,
``int_match_suppliers``, generated at random with a fixed seed: each district in its own region,
regions specialised in a few of 60 ISIC divisions, four countries per bloc), writes the rule set
(``pipelines.rules.write_rule_table``), then times ``dbt run`` of the production models
(``MATCHING_MODELS``: proximity, relatedness density, the partner components, the matches and the top five,
with their published marts) on it, in a child process whose peak memory is its own.
It is a measurement, not a test; BENCHMARKS.md records the results with the command.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np

from pipelines.paths import DBT_PROJECT_DIR, WAREHOUSE_DB_ENV
from pipelines.rules import load_rule_set, write_rule_table

FIRST = ("IT", "ES", "FR", "DE")
SECOND = ("MX", "BR", "CO", "AR")
DIVISIONS = [f"{d:02d}" for d in range(10, 70)]  # 60 ISIC divisions (manufacturing and services)
MANUFACTURING = [f"{d:02d}" for d in range(10, 34)]
GROUPS = [f"G{g:02d}" for g in range(1, 12)]
CLASSES = ("PRIMORDIAL", "EVOLUTIVO", "CONSOLIDADO", "REPOSICIONADO")
MATCHING_MODELS = [
    "int_industry_proximity", "int_relatedness_density", "int_partner_components", "int_partner_matches", "partner_matches",
    "partner_top5",
]


def _dbt(args: list[str], db: Path, target: Path) -> subprocess.CompletedProcess:
    dbt = Path(sys.executable).with_name("dbt")
    env = {**os.environ, WAREHOUSE_DB_ENV: str(db)}
    result = subprocess.run(
        [str(dbt), *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(target), "--quiet"],
        cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"dbt {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}")
    return result


def build_inputs(db: Path, districts: int, seed: int = 1) -> dict:
    """Write the matching models' inputs for ``districts`` districts per bloc into ``db``."""
    rng = np.random.default_rng(seed)
    rows_profiles, rows_regions, rows_caps, rows_suppliers = [], [], [], []
    for bloc, countries in (("EU", FIRST), ("LATAM", SECOND)):
        for i in range(districts):
            country = countries[i % len(countries)]
            region = f"R{bloc}{i:05d}"
            main = MANUFACTURING[rng.integers(len(MANUFACTURING))]
            district_id = f"{country}-{region}-{main}"
            rows_profiles.append((
                district_id, 2021, country, bloc, region, f"Area {region}", f"District {region}", "ISIC4", main + "00",
                main, main + "00", GROUPS[int(main) % len(GROUPS)], "group", "gruppo", "grupo", CLASSES[rng.integers(4)],
                "F", "indeterminate", float(rng.uniform(2, 30)), True,
            ))
            # Employment over the 60 divisions: a heavy main division, a few strong ones, a thin rest.
            employees = rng.gamma(0.6, 200, size=len(DIVISIONS))
            employees[DIVISIONS.index(main)] += rng.uniform(2000, 20000)
            for k in rng.choice(len(DIVISIONS), size=4, replace=False):
                employees[k] += rng.uniform(500, 3000)
            rows_regions += [(country, 2021, region, d, float(e)) for d, e in zip(DIVISIONS, employees)]
            rows_caps += [(country, 2021, region, "machinery", g, float(rng.gamma(1.0, 1.0))) for g in GROUPS]
            exports = rng.dirichlet(np.full(12, 0.5))
            rows_caps += [(country, 2021, region, "export_share", d, float(s))
                          for d, s in zip(rng.choice(MANUFACTURING, size=12, replace=False), exports)]
            if bloc == "LATAM":  # the country's import shares, repeated on each of its regions (M4)
                imports = rng.dirichlet(np.full(len(MANUFACTURING), 0.8))
                rows_caps += [(country, 2021, region, "import_share", d, float(v)) for d, v in zip(MANUFACTURING, imports)]
            rows_suppliers += [(district_id, d) for d in rng.choice(DIVISIONS, size=5, replace=False) if d != main]
    import pandas as pd

    profile_columns = [
        "district_id", "ref_year", "country", "bloc", "region_code", "area_name", "district_name", "industry_system",
        "main_industry_code", "main_isic4_division", "main_isic4_class", "main_group_code", "main_group_name_en", "main_group_name_it",
        "main_group_name_es", "typology_class", "typology_conf_status", "lifecycle_stage", "lq", "is_synthetic",
    ]
    frames = {
        "profiles": pd.DataFrame(rows_profiles, columns=profile_columns),
        "cells": pd.DataFrame(rows_regions, columns=["country", "ref_year", "region_code", "isic4_division", "employees"]),
        "caps": pd.DataFrame(rows_caps, columns=["country", "ref_year", "region_code", "kind", "item", "value"]),
        "suppliers": pd.DataFrame(sorted(set(rows_suppliers)), columns=["district_id", "isic4_division"]),
    }
    with duckdb.connect(str(db)) as con:
        con.execute("create schema if not exists intermediate")
        for name, frame in frames.items():
            con.register(f"bench_{name}", frame)
        con.execute("create or replace table intermediate.int_match_profiles as "
                    "select * replace (cast(ref_year as integer) as ref_year) from bench_profiles")
        con.execute(
            """
            create or replace table intermediate.int_region_isic_division as
            select country, cast(ref_year as integer) as ref_year, region_code, isic4_division, employees,
                   (employees / sum(employees) over (partition by country, ref_year, region_code))
                   / (sum(employees) over (partition by country, ref_year, isic4_division)
                      / sum(employees) over (partition by country, ref_year)) as lq,
                   true as is_estimate, true as is_synthetic
            from bench_cells
            """
        )
        con.execute("create or replace table intermediate.int_match_capabilities as "
                    "select * replace (cast(ref_year as integer) as ref_year) from bench_caps")
        con.execute("create or replace table intermediate.int_match_suppliers as select * from bench_suppliers")
    return {"districts_per_bloc": districts, "regions": 2 * districts, "region_division_cells": len(rows_regions)}


def _timed_child(db: Path, target: Path) -> None:
    """Child process: run the matching models and print their timings as JSON."""
    start = time.perf_counter()
    _dbt(["run", "--select", *MATCHING_MODELS], db, target)
    wall = time.perf_counter() - start
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    models = {r["unique_id"].split(".")[-1]: round(r["execution_time"], 2) for r in results["results"]}
    with duckdb.connect(str(db), read_only=True) as con:
        pairs = con.execute("select count(*) from marts.partner_matches").fetchone()[0]
    print(json.dumps({"wall_seconds": round(wall, 2), "models": models, "pairs": pairs}))


def run_bench_matching(districts: int, out_dir: Path) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="crosscluster-bench-matching-", dir=out_dir) as work:
        db, target = Path(work) / "warehouse.duckdb", Path(work) / "dbt_target"
        start = time.perf_counter()
        sizes = build_inputs(db, districts)
        generated = time.perf_counter() - start
        with duckdb.connect(str(db)) as con:
            write_rule_table(con, load_rule_set())
        _dbt(["seed", "--select", "type_complementarity"], db, target)
        _dbt(["run", "--select", "stg_reference__rule_parameters", "int_rule_parameters", "int_rules"], db, target)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        child = subprocess.run(
            [sys.executable, "-c", f"from pipelines.bench_matching import _timed_child; from pathlib import Path; "
             f"_timed_child(Path({str(db)!r}), Path({str(target)!r}))"],
            capture_output=True, text=True,
        )
        if child.returncode != 0:
            raise RuntimeError(f"the matching run failed:\n{child.stdout[-3000:]}\n{child.stderr[-3000:]}")
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        measured = json.loads(child.stdout.strip().splitlines()[-1])
    return {
        **sizes,
        "inputs_seconds": round(generated, 2),
        **measured,
        # The child's dbt subprocess is the biggest process of the run; RUSAGE_CHILDREN keeps the maximum.
        "peak_rss_mb": round(max(peak, before) / 1024),
    }
