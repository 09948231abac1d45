"""Secondary disclosure suppression of the cells each district splits into (pipelines/disclosure.py).

A district's tier cells (leaders, primary suppliers, satellites), and its size-class cells (micro, small, medium,
large), each add up to its published units and employees: a suppressed cell alone could be recovered by
subtraction, so more cells of the same dimension are suppressed (a mixed-integer programme, SciPy HiGHS); a
district whose cells of a dimension cannot be protected has all of them withheld, and its total too (a row of
dimension 'district', component 'total', read by intermediate.int_district_total_status). One row per cell
with its CONF_STATUS.
"""

import pandas as pd

COLUMNS = ["district_id", "ref_year", "dimension", "component", "conf_status"]


def model(dbt, session):
    dbt.config(materialized="table")
    from pipelines.disclosure import SECONDARY, Cell, Group, Table, rules_from_values, secondary_suppression

    rules_rel = dbt.ref("int_disclosure_rules")
    rules = rules_from_values(dict(zip(rules_rel.columns, rules_rel.fetchall()[0], strict=True)))
    cells = dbt.ref("int_district_component_cells").df()
    out = []
    for (district_id, year, dimension), part in cells.groupby(["district_id", "ref_year", "dimension"], sort=True):
        part = part.sort_values("component").reset_index(drop=True)
        statuses = list(part["primary_status"])
        if any(s != "F" for s in statuses):
            table = Table([Cell((row.component,), float(row.employees), int(row.units), row.primary_status)
                           for row in part.itertuples()], [Group(("district",), list(part.index))])
            statuses, withheld = secondary_suppression(table, rules)
            if withheld:
                statuses = [s if s != "F" else SECONDARY for s in statuses]
                out.append([district_id, int(year), "district", "total", SECONDARY])
        for row, status in zip(part.itertuples(), statuses, strict=True):
            out.append([district_id, int(year), dimension, row.component, status])
    return pd.DataFrame(out, columns=COLUMNS)
