"""Benchmark: the full refresh against a hand-written DuckDB query (the floor) and pandas.

``crosscluster bench --units N`` generates an Italian register of N local units (if not
already there), then runs, each in its own process so that peak memory is its own:

* ``floor``: one DuckDB SQL statement over the same files computing the same district
  indicators (what a skilled analyst would write by hand, no validation, no lineage);
* ``pandas``: the same indicators in straightforward pandas (what an analyst would write);
* ``refresh``: ``crosscluster refresh`` on that folder into a new warehouse (work and start-up
  split with the refresh's timing file), then the same refresh again (nothing changed);
* ten partitions: Italian and Mexican registers, five years each, N / 10 units per year, a
  full refresh and then a refresh after one year of the Italian register changed.

and, once per run, the partner matching of 1,000 x 1,000 districts (pipelines/bench_matching.py).

Results are printed and written as JSON; BENCHMARKS.md records them with the command.
It is a measurement, not a test.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipelines.paths import REFERENCE_DIR, REPO_ROOT

SLL_DIR = REFERENCE_DIR / "istat_sll"  # ISTAT SLL 2021 and the bridge from the register's municipality codes


def _rules() -> dict[str, float]:
    from pipelines.rules import load_rule_set

    return load_rule_set().values


def _files(raw: Path, year: int) -> dict[str, str]:
    it = raw / "it"
    return {
        "units": str(it / "asia_ul" / str(year) / f"unita_locali_{year}.csv"),
        "sll": str(SLL_DIR / "sll2021_comuni.csv"),
        "bridge": str(SLL_DIR / "comuni_code_bridge.csv"),
        "population": str(it / "population" / str(year) / f"popolazione_{year}.csv"),
        "banks": str(it / "banks" / str(year) / f"sportelli_{year}.csv"),
        "exports": str(it / "exports" / str(year) / f"esportazioni_{year}.csv"),
    }


def floor_sql(raw: Path, year: int) -> str:
    f, r = _files(raw, year), _rules()
    return f"""
    with sll_map as (
        select PRO_COM_T as codice_comune, COD_SLL as codice_sll
        from read_csv('{f["sll"]}', header=true, all_varchar=true)
        union all
        select b.area_code, s.COD_SLL
        from read_csv('{f["bridge"]}', header=true, all_varchar=true) as b
        join read_csv('{f["sll"]}', header=true, all_varchar=true) as s on s.PRO_COM_T = b.new_area_code
    ),
    units as (
        select u.*, substr(u.ateco_2007, 1, 5) as class_code, m.codice_sll as lma
        from read_csv('{f["units"]}', delim=';', header=true,
                      types={{'codice_comune': 'VARCHAR', 'ateco_2007': 'VARCHAR', 'addetti': 'BIGINT',
                              'fatturato': 'DOUBLE', 'fatturato_export': 'DOUBLE'}}) as u
        join sll_map as m using (codice_comune)
    ),
    cells as (
        select lma, class_code, count(*) as firms, sum(addetti) as employees from units group by all
    ),
    lq as (
        select *,
            (employees / sum(employees) over (partition by lma))
            / (sum(employees) over (partition by class_code) / sum(employees) over ()) as lq,
            employees / sum(employees) over (partition by class_code) as national_share,
            employees - sum(employees) over (partition by lma) * sum(employees) over (partition by class_code)
                / sum(employees) over () as prevalence_index,
            sum(firms) over (partition by lma) as firms_all,
            sum(employees) over (partition by lma) as employees_all,
            sum(employees) over (partition by class_code) as industry_employees
        from cells
    ),
    districts as (
        select * from lq
        where substr(class_code, 1, 2) between '10' and '33' and lq >= {r["district_min_lq"]}
          and firms >= {r["district_min_establishments"]} and employees >= {r["district_min_employees"]}
          and national_share >= {r["district_min_national_share"]}
        qualify row_number() over (partition by lma order by prevalence_index desc, class_code) = 1
    ),
    sizes as (
        select u.lma, u.class_code,
            sum(case when addetti <= {r["unit_medium_max_employees"]} then addetti else 0 end) / sum(addetti) as sme_share,
            sum(case when addetti <= {r["unit_small_max_employees"]} then addetti else 0 end) / sum(addetti) as small_share,
            sum(case when addetti <= {r["unit_micro_max_employees"]} then addetti else 0 end) / sum(addetti) as micro_share,
            count(*) filter (where addetti <= {r["unit_micro_max_employees"]}) as units_micro,
            count(*) filter (where addetti > {r["unit_micro_max_employees"]}
                             and addetti <= {r["unit_small_max_employees"]}) as units_small,
            count(*) filter (where addetti > {r["unit_small_max_employees"]}
                             and addetti <= {r["unit_medium_max_employees"]}) as units_medium,
            count(*) filter (where addetti > {r["unit_medium_max_employees"]}) as units_large,
            sum(fatturato_export) / sum(fatturato) as export_share
        from units as u join districts as d on u.lma = d.lma and u.class_code = d.class_code
        group by all
    ),
    places as (
        select m.codice_sll as lma, sum(p.popolazione) as population, sum(b.sportelli) as branches,
               sum(b.sportelli_bcc) as local_branches
        from sll_map as m
        join read_csv('{f["population"]}', delim=';', header=true, types={{'codice_comune': 'VARCHAR'}}) as p
            using (codice_comune)
        join read_csv('{f["banks"]}', delim=';', header=true, types={{'codice_comune': 'VARCHAR'}}) as b
            using (codice_comune)
        group by all
    ),
    exports as (
        select m.codice_sll as lma, x.ateco_2007 as class_code, sum(x.valore_euro) as exports
        from read_csv('{f["exports"]}', delim=';', header=true,
                      types={{'codice_comune': 'VARCHAR', 'ateco_2007': 'VARCHAR', 'valore_euro': 'DOUBLE'}}) as x
        join sll_map as m using (codice_comune)
        group by all
    ),
    national_exports as (select class_code, sum(exports) as exports from exports group by all)
    select d.lma, d.class_code, d.firms, d.employees, d.lq, d.firms_all, d.employees_all,
        d.employees / d.firms as average_unit_size, s.*,
        (x.exports / d.employees) / (nx.exports / d.industry_employees) as export_intensity_index,
        p.population, p.branches * 10000 / p.population as branches_per_10k,
        p.branches * 1000 / d.firms_all as branches_per_1000_firms, p.local_branches / p.branches as local_bank_share
    from districts as d
    join sizes as s using (lma, class_code)
    left join exports as x using (lma, class_code)
    left join national_exports as nx using (class_code)
    join places as p using (lma)
    order by d.lma
    """


def run_floor(raw: Path, year: int) -> int:
    import duckdb

    return len(duckdb.connect().execute(floor_sql(raw, year)).fetchall())


def run_pandas(raw: Path, year: int) -> int:
    import pandas as pd

    f, r = _files(raw, year), _rules()
    units = pd.read_csv(f["units"], sep=";", dtype={"codice_comune": str, "ateco_2007": str})
    sll = pd.read_csv(f["sll"], dtype=str)[["PRO_COM_T", "COD_SLL"]]
    bridged = pd.read_csv(f["bridge"], dtype=str).merge(sll, left_on="new_area_code", right_on="PRO_COM_T")
    lma = pd.concat([sll, bridged[["area_code", "COD_SLL"]].rename(columns={"area_code": "PRO_COM_T"})])
    lma = lma.rename(columns={"PRO_COM_T": "codice_comune", "COD_SLL": "codice_sll"})
    units = units.merge(lma[["codice_comune", "codice_sll"]], on="codice_comune")
    units["class_code"] = units["ateco_2007"].str[:5]
    cells = units.groupby(["codice_sll", "class_code"]).agg(firms=("codice_ul", "size"), employees=("addetti", "sum"))
    cells = cells.reset_index()
    e_r = cells.groupby("codice_sll")["employees"].transform("sum")
    e_i = cells.groupby("class_code")["employees"].transform("sum")
    e = cells["employees"].sum()
    cells["lq"] = (cells["employees"] / e_r) / (e_i / e)
    cells["national_share"] = cells["employees"] / e_i
    cells["prevalence_index"] = cells["employees"] - e_r * e_i / e
    cells["firms_all"] = cells.groupby("codice_sll")["firms"].transform("sum")
    cells["employees_all"] = e_r
    cells["industry_employees"] = e_i
    division = cells["class_code"].str[:2]
    qualifying = cells[
        (division >= "10")
        & (division <= "33")
        & (cells["lq"] >= r["district_min_lq"])
        & (cells["firms"] >= r["district_min_establishments"])
        & (cells["employees"] >= r["district_min_employees"])
        & (cells["national_share"] >= r["district_min_national_share"])
    ]
    districts = (
        qualifying.sort_values(["codice_sll", "prevalence_index"], ascending=[True, False])
        .groupby("codice_sll")
        .head(1)
    )
    members = units.merge(districts[["codice_sll", "class_code"]], on=["codice_sll", "class_code"])
    a = members["addetti"]
    micro_max, small_max, medium_max = (
        r["unit_micro_max_employees"], r["unit_small_max_employees"], r["unit_medium_max_employees"]
    )
    members = members.assign(
        sme=a.where(a <= medium_max, 0),
        small=a.where(a <= small_max, 0),
        micro=a.where(a <= micro_max, 0),
        u_micro=(a <= micro_max).astype(int),
        u_small=((a > micro_max) & (a <= small_max)).astype(int),
        u_medium=((a > small_max) & (a <= medium_max)).astype(int),
        u_large=(a > medium_max).astype(int),
    )
    sizes = (
        members.groupby(["codice_sll", "class_code"])
        .agg(
            employees_units=("addetti", "sum"),
            sme=("sme", "sum"),
            small=("small", "sum"),
            micro=("micro", "sum"),
            units_micro=("u_micro", "sum"),
            units_small=("u_small", "sum"),
            units_medium=("u_medium", "sum"),
            units_large=("u_large", "sum"),
            turnover=("fatturato", "sum"),
            export_turnover=("fatturato_export", "sum"),
        )
        .reset_index()
    )
    for col in ("sme", "small", "micro"):
        sizes[f"{col}_share"] = sizes[col] / sizes["employees_units"]
    sizes["export_share"] = sizes["export_turnover"] / sizes["turnover"]
    pop = pd.read_csv(f["population"], sep=";", dtype={"codice_comune": str})
    banks = pd.read_csv(f["banks"], sep=";", dtype={"codice_comune": str})
    places = (
        lma.merge(pop, on="codice_comune")
        .merge(banks, on="codice_comune")
        .groupby("codice_sll")
        .agg(population=("popolazione", "sum"), branches=("sportelli", "sum"), local=("sportelli_bcc", "sum"))
        .reset_index()
    )
    exports = pd.read_csv(f["exports"], sep=";", dtype={"codice_comune": str, "ateco_2007": str})
    exports = exports.merge(lma, on="codice_comune").rename(columns={"ateco_2007": "class_code"})
    by_lma = exports.groupby(["codice_sll", "class_code"])["valore_euro"].sum().rename("exports").reset_index()
    national = exports.groupby("class_code")["valore_euro"].sum().rename("national_exports").reset_index()
    out = districts.merge(sizes, on=["codice_sll", "class_code"]).merge(places, on="codice_sll")
    out = out.merge(by_lma, on=["codice_sll", "class_code"], how="left").merge(national, on="class_code", how="left")
    out["average_unit_size"] = out["employees"] / out["firms"]
    out["export_intensity_index"] = (out["exports"] / out["employees"]) / (
        out["national_exports"] / out["industry_employees"]
    )
    out["branches_per_10k"] = out["branches"] * 10000 / out["population"]
    out["branches_per_1000_firms"] = out["branches"] * 1000 / out["firms_all"]
    out["local_bank_share"] = out["local"] / out["branches"]
    return len(out)


def _measure(cmd: list[str]) -> dict:
    """Wall time and peak RSS of one child process (and the processes it waited for)."""
    started = time.perf_counter()
    with open(Path(tempfile.mkstemp(suffix=".out")[1]), "w+", encoding="utf-8") as out:
        child = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        text = out.read()
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{text[-3000:]}")
    return {"wall_seconds": round(wall, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024), "stdout": text}


def _timed_child(kind: str, raw: Path, year: int) -> None:
    """Entry point of the floor and pandas child processes: import time apart from compute."""
    started = time.perf_counter()
    if kind == "floor":
        import duckdb  # noqa: F401
    else:
        import pandas  # noqa: F401
    imported = time.perf_counter()
    rows = run_floor(raw, year) if kind == "floor" else run_pandas(raw, year)
    done = time.perf_counter()
    print(
        json.dumps(
            {
                "startup_seconds": round(imported - started, 2),
                "compute_seconds": round(done - imported, 2),
                "districts": rows,
            }
        )
    )


def _generate(raw: Path, country: str, units: int, year: int, years: int, seed: int) -> None:
    # In a child process: a child's peak RSS starts from its parent's, so the parent stays small.
    subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "generate", "--country", country, "--units", str(units),
         "--year", str(year), "--years", str(years), "--seed", str(seed), "--out", str(raw)],
        check=True, cwd=REPO_ROOT, capture_output=True,
    )


def _refresh(raw: Path, warehouse: Path) -> dict:
    """One `crosscluster refresh` in its own process: wall, peak RSS, and its work and start-up from the
    refresh's timing file (RefreshReport.timings)."""
    m = _measure([sys.executable, "-m", "pipelines.cli", "refresh", "--raw", str(raw), "--warehouse", str(warehouse)])
    timing = json.loads(sorted((warehouse / "logs").glob("refresh-*.json"))[-1].read_text())
    compute = timing["compute"]["total"]
    return {
        "wall_seconds": m["wall_seconds"],
        "peak_rss_mb": m["peak_rss_mb"],
        "compute_seconds": compute,
        "startup_seconds": round(m["wall_seconds"] - compute, 2),
        "steps": timing["steps"],
        "compute": timing["compute"],
    }


def bump_employees(register: Path, every: int = 7, add: int = 40) -> int:
    """Add ``add`` employees to every ``every``-th unit of an ASIA register file (a changed year of a register);
    return how many units changed."""
    lines = register.read_text(encoding="utf-8").splitlines()
    column = lines[0].split(";").index("addetti")
    changed = 0
    for i in range(every, len(lines), every):
        fields = lines[i].split(";")
        fields[column] = str(int(fields[column]) + add)
        lines[i] = ";".join(fields)
        changed += 1
    register.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return changed


def run_bench(units: int, out_dir: Path, year: int = 2021, seed: int = 1) -> dict:
    """Floor, pandas, refresh and a no-change refresh on one register of ``units`` local units."""
    raw = out_dir / f"raw_it_{units}"
    if not (raw / "it" / "GENERATED.json").exists():
        _generate(raw, "IT", units, year, 1, seed)
    results: dict = {"units": units, "raw": str(raw)}
    # Each measured in a fresh process, in the order floor, pandas, refresh (the largest last,
    # since a child's peak RSS can only be read as the running maximum).
    for kind in ("floor", "pandas"):
        m = _measure([sys.executable, "-m", "pipelines.bench", kind, str(raw), str(year)])
        results[kind] = {
            **json.loads(m["stdout"].strip().splitlines()[-1]),
            "wall_seconds": m["wall_seconds"],
            "peak_rss_mb": m["peak_rss_mb"],
        }
    warehouse = out_dir / f"warehouse_it_{units}"
    shutil.rmtree(warehouse, ignore_errors=True)
    results["refresh"] = _refresh(raw, warehouse)
    results["no_change_refresh"] = _refresh(raw, warehouse)
    compute = results["refresh"]["compute_seconds"]
    floor = results["floor"]["compute_seconds"]
    results["ratios"] = {
        "refresh_compute_over_floor_compute": round(compute / floor, 2),
        "refresh_ingest_over_floor_compute": round(results["refresh"]["compute"]["ingest"] / floor, 2),
        "pandas_wall_over_refresh_wall": round(results["pandas"]["wall_seconds"] / results["refresh"]["wall_seconds"], 2),
        "pandas_compute_over_refresh_compute": round(results["pandas"]["compute_seconds"] / compute, 2),
    }
    return results


def run_partition_bench(units: int, out_dir: Path, year: int = 2021) -> dict:
    """Ten partitions (IT and MX, five years each, ``units`` / 10 local units per year): a full refresh, then a
    refresh after one year of one register changed."""
    per_partition = units // 10
    raw = out_dir / f"raw_ten_{units}"
    if not ((raw / "it" / "GENERATED.json").exists() and (raw / "mx" / "GENERATED.json").exists()):
        shutil.rmtree(raw, ignore_errors=True)
        _generate(raw, "IT", per_partition, year, 5, 1)
        _generate(raw, "MX", per_partition, year, 5, 2)
    warehouse = out_dir / f"warehouse_ten_{units}"
    shutil.rmtree(warehouse, ignore_errors=True)
    full = _refresh(raw, warehouse)
    changed_units = bump_employees(raw / "it" / "asia_ul" / str(year) / f"unita_locali_{year}.csv")
    one = _refresh(raw, warehouse)
    return {
        "units": units,
        "partitions": 10,
        "units_per_partition": per_partition,
        "changed": f"IT {year}: {changed_units:,} units with 40 more employees",
        "full_refresh": full,
        "one_partition_changed": one,
        "one_over_full_wall": round(one["wall_seconds"] / full["wall_seconds"], 3),
    }


if __name__ == "__main__":
    _timed_child(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]))
