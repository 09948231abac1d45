"""Primary and secondary disclosure status of every register cell, and the totals that must be withheld.

A reader knows, besides the free cells, the totals the release publishes over them: each district's employees and
units (the sum of the area cells of its main industry in its region) and each country's employees in an
industry class (its national shares reveal it). Within each such group, pipelines/disclosure.py chooses the
secondary cells (a mixed-integer programme, SciPy HiGHS) so that no suppressed cell can be recovered, and the
audit of the class's table confirms it (repairing where one group's total pins another's slack); a group that
cannot be protected has its total withheld. One row per register cell (object = 'area_industry'), and one
per withheld total (object = 'district' or 'national_class').

A Python model because the choice is an optimisation over each industry class's cells. Built per country x year
partition (the `partitioned` configuration in _intermediate.yml, macros/partitions.sql): only partitions whose
inputs changed are solved again.
"""

from collections import defaultdict

import pyarrow as pa

COLUMNS = ["object", "country", "ref_year", "area_code", "industry_system", "industry_code", "district_id",
           "conf_status"]
SCHEMA = pa.schema([(name, pa.int64() if name == "ref_year" else pa.string()) for name in COLUMNS])


def partitions_to_build(dbt, session, partition_inputs) -> list[tuple[str, int]]:
    """The partitions whose inputs changed since this model's last build (all of them on a full build): the
    rule of the macro partitions_to_build. On an incremental build their rows, and those of partitions whose
    inputs are gone, are removed here (what the pre-hook remove_partitions_to_build does for SQL models)."""
    current = dict(((c, y), f) for c, y, f in partition_inputs.project("country, ref_year, inputs_fingerprint")
                   .fetchall())
    built = {}
    if dbt.is_incremental:
        schema = dbt.config.get("built_partitions_schema")
        exists = session.execute(
            "select count(*) from duckdb_tables() where schema_name = ? and table_name = 'built_partitions'",
            [schema],
        ).fetchone()[0]
        if exists:
            built = dict(((c, y), f) for c, y, f in session.execute(
                f"select country, ref_year, inputs_fingerprint from {schema}.built_partitions "
                "where model = ?", [dbt.this.identifier]).fetchall())
    changed = sorted(key for key, fingerprint in current.items() if built.get(key) != fingerprint)
    if dbt.is_incremental:
        session.execute(f"delete from {dbt.this} where {_in(changed)} or not {_in(sorted(current))}").fetchall()
    return changed


def _in(partitions: list[tuple[str, int]]) -> str:
    """A SQL predicate on (country, ref_year) for these partitions."""
    if not partitions:
        return "false"
    quoted = (f"('{c.replace(chr(39), chr(39) * 2)}', {int(y)})" for c, y in partitions)
    return "(country, ref_year) in (" + ", ".join(quoted) + ")"


def model(dbt, session):
    from pipelines.disclosure import rules_from_values

    # (Each dbt.ref on its own line: dbt finds a Python model's dependencies in such calls. Rows are read as
    # tuples: the cells are many and their classes small.)
    rules_rel = dbt.ref("int_disclosure_rules")
    cells_rel = dbt.ref("int_area_industry_primary")
    regions_rel = dbt.ref("int_area_regions")
    districts_rel = dbt.ref("int_districts")
    inputs_rel = dbt.ref("int_partition_inputs")
    partitions = partitions_to_build(dbt, session, inputs_rel)
    rules = rules_from_values(dict(zip(rules_rel.columns, rules_rel.fetchall()[0], strict=True)))
    region_of = dict(((c, a), r) for c, a, r in regions_rel.project("country, area_code, region_code").fetchall())
    # One partition at a time (no group spans two): a national register's cells are millions of Python tuples,
    # and each partition's result is kept as compact Arrow columns.
    solved = [_solve_partition(partition, cells_rel, districts_rel, region_of, rules) for partition in partitions]
    return pa.concat_tables(solved) if solved else pa.Table.from_pylist([], schema=SCHEMA)


def _solve_partition(partition, cells_rel, districts_rel, region_of, rules) -> pa.Table:
    from pipelines.disclosure import Cell, Group, Table, protected_suppression

    build = _in([partition])
    districts_of = defaultdict(list)
    for district_id, country, year, system, code, region in districts_rel.filter(build).project(
        "district_id, country, ref_year, industry_system, main_industry_code, area_code"
    ).order("district_id").fetchall():
        districts_of[(country, year, system, code)].append((district_id, region))
    by_class = defaultdict(list)
    for country, year, system, code, area, employees, units, status in cells_rel.filter(build).project(
        "country, ref_year, industry_system, industry_code, area_code, employees, establishments, primary_status"
    ).order("country, ref_year, industry_system, industry_code, area_code").fetchall():
        by_class[(country, year, system, code)].append((area, float(employees), int(units), status))

    out = []
    for (country, year, system, code), rows in by_class.items():
        statuses = [r[3] for r in rows]
        if any(s != "F" for s in statuses):
            table = Table([Cell((area,), employees, units, status) for area, employees, units, status in rows])
            for district_id, region in districts_of.get((country, year, system, code), []):
                members = [i for i, r in enumerate(rows) if region_of.get((country, r[0])) == region]
                table.groups.append(Group(("district", district_id), members))
            table.groups.append(Group(("national_class",), list(range(len(rows)))))
            statuses, withheld = protected_suppression(table, rules)
            for key in withheld:
                kind = key[0]
                out.append((kind, country, year, None, system, code, key[1] if kind == "district" else None, "D"))
        for row, status in zip(rows, statuses, strict=True):
            out.append(("area_industry", country, year, row[0], system, code, None, status))
    columns = list(zip(*out, strict=True)) if out else [[] for _ in COLUMNS]
    return pa.Table.from_arrays([pa.array(c, type=f.type) for c, f in zip(columns, SCHEMA, strict=True)],
                                schema=SCHEMA)
