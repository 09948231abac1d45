"""Life-cycle stage of every district and year (METHOD.md 3).

Stages, checked in this order: TRANSFORMACION, MADURO, EMERGENTE, EN_DESARROLLO, AGLOMERACION.
A stage's conditions use employees E, local units U, LQ, the ECO size star, growth against the
national industry g (percentage points a year), the entry rate relative to the national
industry, and the change in LQ. A condition whose inputs are missing is unknown; the first
stage whose conditions are unknown makes the year indeterminate (nothing is guessed), and the
previous stage, if any, is carried. A stage changes only after it has been the candidate for
`lifecycle_persistence_periods` consecutive periods, so that census noise does not flip it.

A Python model because the stage of a year depends on the stage of the year before.
"""

import math

import pandas as pd

ORDER = ["TRANSFORMACION", "MADURO", "EMERGENTE", "EN_DESARROLLO", "AGLOMERACION"]
# What each stage's conditions need besides E, U, LQ and the size star.
NEEDS = {
    "TRANSFORMACION": ("growth", "related"),
    "MADURO": ("growth", "entry"),
    "EMERGENTE": ("growth",),
    "EN_DESARROLLO": ("growth", "entry"),
    "AGLOMERACION": (),
}
NEED_TEXT = {
    "growth": "growth against the national industry (a previous reference year)",
    "entry": "entry of new local units (founding years)",
    "related": "related industries whose LQ crossed 1",
}


def _known(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _all(*conditions):
    if any(c is False for c in conditions):
        return False
    if any(c is None for c in conditions):
        return None
    return True


def _any(*conditions):
    if any(c is True for c in conditions):
        return True
    if any(c is None for c in conditions):
        return None
    return False


def _cmp(value, op, bound):
    value = _known(value)
    if value is None:
        return None
    return {"<": value < bound, ">": value > bound, ">=": value >= bound, "<=": value <= bound}[op]


def candidate_stage(row, previous_stage, r):
    """(stage or None if undecidable, branch, reason) for one district-year."""
    e, u, lq, star = row["employees"], row["units"], row["lq"], bool(row["has_size_star"])
    g, entry = _known(row["growth_vs_national_pp"]), _known(row["entry_ratio"])
    band = r["lifecycle_growth_band_pp"]
    decline = _cmp(g, "<", -band)
    renewal = _all(_cmp(row["lq_change"], "<", 0), _cmp(row["new_related_industries"], ">=",
                                                        r["lifecycle_renewal_min_new_industries"]))
    conditions = {
        "TRANSFORMACION": _all(
            _any(previous_stage == "MADURO", e >= r["lifecycle_mature_min_employees"]), _any(decline, renewal)
        ),
        "MADURO": _all(
            _any(e >= r["lifecycle_mature_min_employees"], star),
            _cmp(lq, ">=", r["lifecycle_mature_min_lq"]),
            _all(_cmp(g, ">=", -band), _cmp(g, "<=", band)),
            _cmp(entry, "<", r["lifecycle_entry_ratio"]),
        ),
        "EMERGENTE": _all(
            _any(e >= r["lifecycle_emerging_min_employees"], u >= r["lifecycle_emerging_min_units"]),
            _cmp(lq, ">=", r["lifecycle_emerging_min_lq"]),
            _cmp(g, ">", band),
        ),
        "EN_DESARROLLO": _all(
            _cmp(lq, ">=", r["lifecycle_specialised_min_lq"]),
            e >= r["lifecycle_agglomeration_max_employees"],
            e < r["lifecycle_developing_max_employees"],
            _cmp(g, ">", band),
            _cmp(entry, ">=", r["lifecycle_entry_ratio"]),
        ),
        "AGLOMERACION": _all(
            _cmp(lq, ">=", r["lifecycle_specialised_min_lq"]),
            _any(e < r["lifecycle_agglomeration_max_employees"], u < r["lifecycle_agglomeration_max_units"]),
            not star,
        ),
    }
    for stage in ORDER:
        verdict = conditions[stage]
        if verdict is True:
            branch = ("decline" if decline else "renewal") if stage == "TRANSFORMACION" else None
            return stage, branch, f"{stage} conditions hold"
        if verdict is None:
            unknown = {"growth": g is None, "entry": entry is None,
                       "related": _known(row["new_related_industries"]) is None}
            missing = [NEED_TEXT[n] for n in NEEDS[stage] if unknown[n]]
            return None, None, f"{stage} cannot be decided: needs " + " and ".join(missing or ["more inputs"])
    return None, None, "no stage's conditions hold"


def lifecycle(inputs: pd.DataFrame, rules: dict) -> pd.DataFrame:
    persistence = int(rules["lifecycle_persistence_periods"])
    out = []
    for district_id, rows in inputs.sort_values(["district_id", "ref_year"]).groupby("district_id", sort=True):
        published, periods, branch = None, 0, None
        previous_candidate, run = None, 0
        for row in rows.to_dict("records"):
            candidate, candidate_branch, reason = candidate_stage(row, published, rules)
            run = run + 1 if candidate is not None and candidate == previous_candidate else (1 if candidate else 0)
            if candidate is None:
                stage = published
                if published is not None:
                    reason += f"; {published} carried from the previous period"
            elif published is None or candidate == published or run >= persistence:
                stage = candidate
                branch = candidate_branch if candidate == "TRANSFORMACION" else None
            else:
                stage = published
                reason = (f"{candidate} for {run} period(s): the stage changes after {persistence} "
                          f"consecutive periods; {published} kept")
            periods = periods + 1 if stage is not None and stage == published else (1 if stage else 0)
            published = stage
            previous_candidate = candidate
            out.append({
                "district_id": district_id,
                "ref_year": int(row["ref_year"]),
                "country": row["country"],
                "lifecycle_stage": stage or "indeterminate",
                "candidate_stage": candidate or "indeterminate",
                "branch": branch if stage == "TRANSFORMACION" else None,
                "periods_in_stage": periods,
                "reason": reason,
                "growth_vs_national_pp": _known(row["growth_vs_national_pp"]),
                "entry_ratio": _known(row["entry_ratio"]),
                "lq_change": _known(row["lq_change"]),
                "rule_set_version": rules["rule_set_version"],
            })
    columns = ["district_id", "ref_year", "country", "lifecycle_stage", "candidate_stage", "branch",
               "periods_in_stage", "reason", "growth_vs_national_pp", "entry_ratio", "lq_change", "rule_set_version"]
    # Typed even where a column holds no value in this build (an all-empty branch would otherwise reach DuckDB
    # with the type NULL).
    types = {
        "district_id": "string", "ref_year": "int32", "country": "string", "lifecycle_stage": "string",
        "candidate_stage": "string", "branch": "string", "periods_in_stage": "int64", "reason": "string",
        "growth_vs_national_pp": "float64", "entry_ratio": "float64", "lq_change": "float64",
        "rule_set_version": "string",
    }
    return pd.DataFrame(out, columns=columns).astype(types)


def model(dbt, session):
    dbt.config(materialized="table")
    inputs = dbt.ref("int_lifecycle_inputs")
    rules = dbt.ref("int_rules")
    return lifecycle(inputs.df(), rules.df().iloc[0].to_dict())
