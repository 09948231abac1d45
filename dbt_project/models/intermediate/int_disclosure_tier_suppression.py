"""Secondary disclosure suppression of the tier cells of each district (pipelines/disclosure.py).

A district's three tier cells (leaders, primary suppliers, satellites) add up to its published units and
employees: a suppressed tier cell alone could be recovered by subtraction, so more tier cells are suppressed
(a mixed-integer programme, SciPy HiGHS); a district whose tiers cannot be protected has every tier withheld.
One row per tier cell with its CONF_STATUS.
"""

import pandas as pd

COLUMNS = ["district_id", "ref_year", "tier", "conf_status"]


def model(dbt, session):
    dbt.config(materialized="table")
    from pipelines.disclosure import SECONDARY, Cell, Group, Table, rules_from_values, secondary_suppression

    rules_row = dbt.ref("int_disclosure_rules").df().iloc[0]
    rules = rules_from_values(rules_row.to_dict())
    cells = dbt.ref("int_district_tier_cells").df()
    out = []
    for (district_id, year), part in cells.groupby(["district_id", "ref_year"], sort=True):
        part = part.sort_values("tier").reset_index(drop=True)
        statuses = list(part["primary_status"])
        if any(s != "F" for s in statuses):
            table = Table([Cell((row.tier,), float(row.employees), int(row.units), row.primary_status)
                           for row in part.itertuples()], [Group(("district",), list(part.index))])
            statuses, withheld = secondary_suppression(table, rules)
            if withheld:
                statuses = [s if s != "F" else SECONDARY for s in statuses]
        for row, status in zip(part.itertuples(), statuses, strict=True):
            out.append([district_id, int(year), row.tier, status])
    return pd.DataFrame(out, columns=COLUMNS)
