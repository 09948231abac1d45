"""Every published column is described, the same way in the published DuckDB file and in the Parquet release,
and no description restates a threshold of the rule set (it names the rule parameter instead)."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import yaml

from pipelines.publish import DESCRIPTION_KEY, PUBLISHED_TABLES, _write_parquet
from pipelines.rules import load_rule_set

MARTS_YML = Path(__file__).parents[1] / "dbt_project" / "models" / "marts" / "_marts.yml"
# Units whose thresholds are counts a description could write out ("at least 250 employees").
COUNT_UNITS = ("employees", "local units")


def _written_forms(value: float) -> set[str]:
    """How a threshold value may be written: 15000 -> {"15000", "15,000"}."""
    if float(value).is_integer():
        whole = int(value)
        return {str(whole), f"{whole:,}"}
    return {f"{value:g}"}


def _count_thresholds() -> dict[str, set[str]]:
    rules = load_rule_set()
    forms: dict[str, set[str]] = {}
    for rule in rules.rules.values():
        if rule.unit in COUNT_UNITS:
            for form in _written_forms(rule.value):
                forms.setdefault(form, set()).add(rule.parameter)
    return forms


def _restated_thresholds(text: str, forms: dict[str, set[str]]) -> list[str]:
    """The threshold values written out in text as numbers of their own (not part of 10,000, 1410 or per_1000)."""
    found = []
    for form, parameters in sorted(forms.items()):
        if re.search(rf"(?<!\w)(?<!\d[.,]){re.escape(form)}(?!\w)(?![.,]\d)", text):
            found.append(f"{form} ({', '.join(sorted(parameters))})")
    return found


def test_the_threshold_check_finds_numbers_and_not_parts_of_numbers():
    forms = {"250": {"a"}, "15,000": {"b"}, "15000": {"b"}, "10": {"c"}}
    assert _restated_thresholds("units with 250+ employees", forms) == ["250 (a)"]
    assert _restated_thresholds("at least 15,000 employees", forms) == ["15,000 (b)"]
    assert _restated_thresholds("medium units (50-250)", forms) == ["250 (a)"]
    assert _restated_thresholds("branches per 10,000 inhabitants; ISIC class 1410; bank_branches_per_10k", forms) == []
    assert _restated_thresholds("at least the rule critical_mass_employees", forms) == []


def test_every_published_mart_column_is_described_in_the_yaml():
    models = {m["name"]: m for m in yaml.safe_load(MARTS_YML.read_text(encoding="utf-8"))["models"]}
    forms = _count_thresholds()
    problems = []
    for table in PUBLISHED_TABLES:
        model = models[table]
        if not (model.get("description") or "").strip():
            problems.append(f"{table}: no model description")
        problems += [f"{table}: threshold {hit} in the model description"
                     for hit in _restated_thresholds(model.get("description") or "", forms)]
        for column in model.get("columns", []):
            text = (column.get("description") or "").strip()
            if not text:
                problems.append(f"{table}.{column['name']}: no description")
            problems += [f"{table}.{column['name']}: threshold {hit}" for hit in _restated_thresholds(text, forms)]
    assert not problems, "\n".join(problems)


def test_parquet_writer_carries_descriptions_in_fixed_row_groups(tmp_path, monkeypatch):
    monkeypatch.setattr("pipelines.publish.PARQUET_ROW_GROUP_ROWS", 1000)
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.t as select (2500 - i) as k, 'row ' || i as label, null as nothing "
                "from range(2500) as r(i)")
    con.execute("comment on table marts.t is 'A table.'")
    con.execute("comment on column marts.t.k is 'The key.'")
    con.execute("comment on column marts.t.label is 'A label.'")
    first, second = tmp_path / "a.parquet", tmp_path / "b.parquet"
    _write_parquet(con, "t", ("k",), first)
    _write_parquet(con, "t", ("k",), second)
    assert first.read_bytes() == second.read_bytes()
    meta = pq.ParquetFile(first).metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [1000, 1000, 500]
    schema = pq.read_schema(first)
    assert schema.metadata[DESCRIPTION_KEY] == b"A table."
    assert schema.field("k").metadata == {DESCRIPTION_KEY: b"The key."}
    assert schema.field("label").metadata == {DESCRIPTION_KEY: b"A label."}
    assert not schema.field("nothing").metadata
    keys = con.execute(f"select k from read_parquet('{first}')").fetchall()
    assert [k for (k,) in keys] == list(range(1, 2501))


def test_published_columns_carry_the_same_description_in_duckdb_and_parquet(refreshed):
    paths, report = refreshed
    release_dir = paths.releases_dir / report.release["release_id"]
    forms = _count_thresholds()
    problems = []
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        comments = {
            (t, c): (text or "").strip()
            for t, c, text in con.execute(
                "select table_name, column_name, comment from duckdb_columns() where schema_name = 'main' "
                "order by table_name, column_index"
            ).fetchall()
        }
        table_comments = {
            t: (text or "").strip()
            for t, text in con.execute(
                "select table_name, comment from duckdb_tables() where schema_name = 'main'"
            ).fetchall()
        }
    assert set(table_comments) == set(PUBLISHED_TABLES) | {"release_info"}
    for table in PUBLISHED_TABLES:
        schema = pq.read_schema(release_dir / f"{table}.parquet")
        described = (schema.metadata or {}).get(DESCRIPTION_KEY, b"").decode("utf-8")
        if not table_comments[table] or described != table_comments[table]:
            problems.append(f"{table}: table comment {table_comments[table]!r} vs Parquet {described!r}")
        columns = [c for (t, c) in comments if t == table]
        assert columns == schema.names, table
        for field in schema:
            comment = comments[(table, field.name)]
            text = (field.metadata or {}).get(DESCRIPTION_KEY, b"").decode("utf-8")
            if not comment or not text:
                problems.append(f"{table}.{field.name}: undescribed (DuckDB {comment!r}, Parquet {text!r})")
            elif comment != text:
                problems.append(f"{table}.{field.name}: DuckDB {comment!r} differs from Parquet {text!r}")
            problems += [f"{table}.{field.name}: threshold {hit}" for hit in _restated_thresholds(comment, forms)]
        problems += [f"{table}: threshold {hit} in the table description"
                     for hit in _restated_thresholds(table_comments[table], forms)]
    if not table_comments["release_info"]:
        problems.append("release_info: no table comment")
    problems += [f"release_info.{c}: undescribed" for (t, c), text in comments.items()
                 if t == "release_info" and not text]
    assert not problems, "\n".join(problems)
