"""One rule set, read everywhere; identical releases from identical inputs.

* pipelines/rules.py on small files written here: values, version and hash, the errors a user sees, diff;
* ``crosscluster rules diff``;
* the bundled sample built with a rule set in which several thresholds are moved (the critical mass, the
  district minimum LQ, a typology level cut-off, a life-cycle floor): every dbt test and GX suite passes and
  every published flag follows the moved values, recomputed here from the published measurements;
* two refreshes of the same inputs into two warehouses publish byte-identical Parquet files.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import duckdb
import pytest

from pipelines.paths import DEFAULT_RULE_SET_FILE, SAMPLE_RAW_DIR, ProjectPaths
from pipelines.publish import PUBLISHED_TABLES
from pipelines.rules import RuleSetError, diff, load_rule_set, values_hash

# Moved for the build below: parameter -> new value (each changes the sample's results).
MOVED = {
    "critical_mass_employees": 5000,
    "district_min_lq": 3,
    "typology_d3_export_level3": 0.2,
    "lifecycle_mature_min_lq": 12,
}


def _write_rule_set(path, changes: dict[str, float]) -> None:
    with open(DEFAULT_RULE_SET_FILE, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["parameter"] in changes:
            row["value"] = str(changes[row["parameter"]])
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


# ---------------------------------------------------------------- pipelines/rules.py


def test_a_rule_set_file_gives_values_version_and_the_hash_int_rules_computes(tmp_path):
    path = tmp_path / "rules.csv"
    path.write_text(
        "rule_set,rule_set_version,parameter,value,unit,status,source\n"
        "r1,1.0,b_min,2,ratio,O,own\n"
        "r1,1.0,a_max,0.25,share,M,lit\n",
        encoding="utf-8",
    )
    rules = load_rule_set(path)
    assert (rules.name, rules.version, rules.values) == ("r1", "1.0", {"b_min": 2.0, "a_max": 0.25})
    assert rules["a_max"] == 0.25
    # The hash int_rules computes: md5 of 'parameter=value' in parameter order, DuckDB writing the doubles.
    con = duckdb.connect()
    expected = con.execute("select substr(md5('a_max=0.25;b_min=2.0'), 1, 12)").fetchone()[0]
    assert rules.hash == values_hash({"b_min": 2.0, "a_max": 0.25}) == expected
    assert rules.version_and_hash == f"1.0+{expected}"
    assert rules.with_values({"b_min": 3}).values == {"b_min": 3.0, "a_max": 0.25}
    with pytest.raises(KeyError, match="zz not in rule set r1"):
        rules.with_values({"zz": 1})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rule_set,parameter,value\nr1,a,1\n", "line 1: missing column"),
        ("rule_set,rule_set_version,parameter,value,unit,status,source\nr1,1,a,1,x,O,s\nr1,1,a,2,x,O,s\n",
         "line 3: parameter a appears twice"),
        ("rule_set,rule_set_version,parameter,value,unit,status,source\nr1,1,a,1;5,x,O,s\n",
         "line 2: value '1;5' of a is not a number"),
        ("rule_set,rule_set_version,parameter,value,unit,status,source\nr1,1,a,1,x,O,s\nr2,1,b,1,x,O,s\n",
         "holds 2 rule sets"),
        ("rule_set,rule_set_version,parameter,value,unit,status,source\nr1,1,a,1,x,O,s\nr1,2,b,1,x,O,s\n",
         "several versions"),
    ],
)
def test_a_bad_rule_set_file_is_refused_with_the_line_and_the_fix(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleSetError, match=message):
        load_rule_set(path)


def test_diff_lists_moved_added_and_removed_parameters(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    header = "rule_set,rule_set_version,parameter,value,unit,status,source\n"
    a.write_text(header + "r,1,x,1,u,O,s\nr,1,y,2,u,O,s\nr,1,z,3,u,O,s\n", encoding="utf-8")
    b.write_text(header + "r,2,x,1,u,O,s\nr,2,y,2.5,u,O,s\nr,2,w,4,u,O,s\n", encoding="utf-8")
    assert diff(load_rule_set(a), load_rule_set(b)) == [("w", None, 4.0), ("y", 2.0, 2.5), ("z", 3.0, None)]


def test_rules_diff_command_prints_the_moved_parameters(tmp_path):
    moved = tmp_path / "moved.csv"
    _write_rule_set(moved, MOVED)
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "rules", "diff", str(DEFAULT_RULE_SET_FILE), str(moved)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"{len(MOVED)} parameter(s) differ" in result.stdout
    for name in MOVED:
        assert name in result.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "rules", "diff", str(DEFAULT_RULE_SET_FILE), str(tmp_path / "no.csv")],
        capture_output=True, text=True, timeout=120,
    )
    assert missing.returncode == 2 and "rule-set file not found" in missing.stderr


# ---------------------------------------------------------------- the sample with moved thresholds


@pytest.fixture(scope="module")
def moved_build(tmp_path_factory):
    from pipelines.refresh import run_refresh

    folder = tmp_path_factory.mktemp("moved_rules")
    path = folder / "moved.csv"
    _write_rule_set(path, MOVED)
    paths = ProjectPaths(SAMPLE_RAW_DIR, folder / "warehouse", rule_set_file=path)
    report = run_refresh(paths)
    return paths, report, load_rule_set(path)


@pytest.fixture(scope="module")
def moved(moved_build):
    paths, report, rules = moved_build
    assert report.ok, [(s.label, s.error) for s in report.steps if not s.ok]
    con = duckdb.connect(str(paths.published_db), read_only=True)
    yield con, rules, report
    con.close()


def test_every_test_and_suite_passes_and_the_release_names_the_moved_rule_set(moved):
    con, rules, report = moved
    assert not report.checks_failed
    (release_json,) = con.execute("select manifest_json from release_info").fetchone()
    manifest = json.loads(release_json)
    assert manifest["rule_set"]["active"]["version_and_hash"] == rules.version_and_hash
    assert manifest["rule_set"]["sha256"] == rules.sha256
    assert rules.version_and_hash != load_rule_set().version_and_hash
    for table in ("districts", "district_size_facts", "district_typology", "district_lifecycle", "district_gaps"):
        versions = con.execute(f"select distinct rule_set_version from {table}").fetchall()
        assert versions == [(rules.version_and_hash,)], table


def test_us_districts_follow_the_moved_identification_rule(moved):
    """The lq_size_v1 rule recomputed from the published county cells with the moved thresholds."""
    con, rules, _ = moved
    cells = con.execute(
        "select area_code, industry_code, lq, establishments, employees, national_share, prevalence_index "
        "from area_industry where country = 'US' and substr(industry_code, 1, 2) between '31' and '33'"
    ).fetchall()
    best = {}
    for area, code, lq, est, emp, share, prevalence in cells:
        if lq is None or lq < rules["district_min_lq"] or est < rules["district_min_establishments"]:
            continue
        if emp < rules["district_min_employees"] or share < rules["district_min_national_share"]:
            continue
        if area not in best or (-prevalence, code) < (-best[area][1], best[area][0]):
            best[area] = (code, prevalence)
    expected = {(area, code) for area, (code, _) in best.items()}
    got = set(con.execute("select area_code, main_industry_code from districts where country = 'US'").fetchall())
    assert got == expected and expected
    assert con.execute("select min(lq) from districts").fetchone()[0] >= rules["district_min_lq"]


def test_size_facts_and_critical_mass_follow_the_moved_threshold(moved):
    con, rules, _ = moved
    critical = rules["critical_mass_employees"]
    rows = con.execute("select district_id, ref_year, employees, has_critical_mass from districts").fetchall()
    assert all(flag == (employees >= critical) for _, _, employees, flag in rows)
    default = load_rule_set()["critical_mass_employees"]
    assert any(critical <= employees < default for _, _, employees, _ in rows)  # the move changed some flags
    facts = {
        (d, y): (t, m)
        for d, y, t, m in con.execute(
            "select district_id, ref_year, threshold, meets from district_size_facts where fact = 'critical_mass'"
        ).fetchall()
    }
    assert facts == {(d, y): (critical, employees >= critical) for d, y, employees, _ in rows}


def test_typology_export_level_follows_the_moved_cut_off(moved):
    con, rules, _ = moved
    rows = con.execute(
        "select t.level_d3, i.obs_value from district_typology as t join district_indicators as i "
        "using (district_id, ref_year) where i.indicator = 'export_share'"
    ).fetchall()
    cuts = [(k, rules[f"typology_d3_export_level{k}"]) for k in (4, 3, 2)]
    measured = [(level, share) for level, share in rows if share is not None]
    assert measured
    for level, share in measured:
        assert level == next((k for k, cut in cuts if share >= cut), 1), share
    # Export shares between the default cut-off and the moved one now sit at level 2.
    default = load_rule_set()["typology_d3_export_level3"]
    assert any(default <= share < rules["typology_d3_export_level3"] and level == 2 for level, share in measured)


def test_life_cycle_mature_floor_follows_the_moved_value(moved):
    con, rules, _ = moved
    rows = con.execute(
        "select l.candidate_stage, d.lq from district_lifecycle as l join districts as d using (district_id, ref_year)"
    ).fetchall()
    assert all(lq >= rules["lifecycle_mature_min_lq"] for stage, lq in rows if stage == "MADURO")


# ---------------------------------------------------------------- identical inputs, identical releases


def test_two_refreshes_of_the_same_inputs_publish_identical_files(refreshed, tmp_path):
    from pipelines.refresh import run_refresh

    first_paths, first = refreshed
    second = run_refresh(ProjectPaths(SAMPLE_RAW_DIR, tmp_path / "again"))
    assert second.ok
    a = first_paths.releases_dir / first.release["release_id"]
    b = tmp_path / "again" / "releases" / second.release["release_id"]
    for table in PUBLISHED_TABLES:
        assert (a / f"{table}.parquet").read_bytes() == (b / f"{table}.parquet").read_bytes(), table
    fingerprints = [
        {t: v["fingerprint"] for t, v in json.loads((d / "manifest.json").read_text())["tables"].items()}
        for d in (a, b)
    ]
    assert fingerprints[0] == fingerprints[1]
