"""Primary and secondary disclosure status of every register cell, and the totals that must be withheld.

A reader knows, besides the free cells, the totals the release publishes over them: each district's employees and
units (the sum of the area cells of its main industry in its region) and each country's employees in an
industry class (its national shares reveal it). Within each such group, pipelines/disclosure.py chooses the
secondary cells (a mixed-integer programme, SciPy HiGHS) so that no suppressed cell can be recovered; a group
that cannot be protected has its total withheld. One row per register cell (object = 'area_industry'), and one
per withheld total (object = 'district' or 'national_class').

A Python model because the choice is an optimisation over each industry class's cells.
"""

import pandas as pd

COLUMNS = ["object", "country", "ref_year", "area_code", "industry_system", "industry_code", "district_id",
           "conf_status"]


def model(dbt, session):
    dbt.config(materialized="table")
    from pipelines.disclosure import Cell, Group, Table, rules_from_values, secondary_suppression

    rules_row = dbt.ref("int_disclosure_rules").df().iloc[0]
    rules = rules_from_values(rules_row.to_dict())
    cells = dbt.ref("int_area_industry_primary").df()
    # (Each dbt.ref on its own line: dbt finds a Python model's dependencies in such calls.)
    regions = dbt.ref("int_area_regions").df()
    districts = dbt.ref("int_districts").df()
    regions = regions[["country", "area_code", "region_code"]]
    districts = districts[
        ["district_id", "country", "ref_year", "area_code", "industry_system", "main_industry_code"]
    ].rename(columns={"area_code": "region_code", "main_industry_code": "industry_code"})
    cells = cells.merge(regions, on=["country", "area_code"], how="left")
    districts_of = {key: part for key, part in districts.groupby(["country", "ref_year", "industry_system",
                                                                   "industry_code"], sort=True)}

    out = []
    for (country, year, system, code), part in cells.groupby(
        ["country", "ref_year", "industry_system", "industry_code"], sort=True
    ):
        part = part.sort_values("area_code").reset_index(drop=True)
        statuses = list(part["primary_status"])
        if any(s != "F" for s in statuses):
            table = Table([Cell((row.area_code,), float(row.employees), int(row.establishments), row.primary_status)
                           for row in part.itertuples()])
            mine = districts_of.get((country, year, system, code), districts.head(0))
            for district in mine.sort_values("district_id").itertuples():
                members = list(part.index[part.region_code == district.region_code])
                table.groups.append(Group(("district", district.district_id), members))
            table.groups.append(Group(("national_class",), list(part.index)))
            statuses, withheld = secondary_suppression(table, rules)
            for key in withheld:
                kind = key[0]
                out.append([kind, country, year, None, system, code, key[1] if kind == "district" else None, "D"])
        for row, status in zip(part.itertuples(), statuses, strict=True):
            out.append(["area_industry", country, year, row.area_code, system, code, None, status])
    frame = pd.DataFrame(out, columns=COLUMNS)
    return frame.astype({"ref_year": "int64"}) if len(frame) else frame
