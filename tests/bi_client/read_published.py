"""Run by the BI client's own Python (tests/test_bi_client.py): list the published tables through SQLAlchemy's
inspector and run one query, read-only. Prints JSON."""

import json
import sys

import duckdb
import sqlalchemy as sa

path = sys.argv[1]
engine = sa.create_engine(f"duckdb:///{path}", connect_args={"read_only": True})
with engine.connect() as con:
    tables = sorted(sa.inspect(con).get_table_names())
    rows = con.execute(sa.text("select country, count(*) from districts group by country order by country")).all()
    try:
        con.execute(sa.text("create table scratch as select 1 as x"))
        wrote = True
    except Exception as exc:  # read-only: refused
        wrote = False
        refusal = type(exc).__name__
print(json.dumps({"duckdb": duckdb.__version__, "tables": tables, "districts": [list(r) for r in rows],
                  "wrote": wrote, "refusal": None if wrote else refusal}))
