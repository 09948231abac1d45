"""Disclosure control on hand-built cells: primary statuses, secondary suppression and the audit's intervals,
worked out by hand. The rule values are read from the disclosure rule set, never restated."""

from __future__ import annotations

import pytest

from pipelines.disclosure import (
    DOMINANCE_ONE,
    DOMINANCE_TWO,
    FREE,
    SECONDARY,
    SMALL_COUNTS,
    Cell,
    Group,
    Table,
    audit,
    load_disclosure_rules,
    primary_status,
    secondary_suppression,
)

RULES = load_disclosure_rules()


def test_frequency_and_dominance_on_hand_built_cells():
    n = RULES.min_units
    k1, k2 = RULES.dominance_1_k, RULES.dominance_2_k
    # Fewer units than the frequency rule allows, however even: A.
    assert primary_status([10.0] * (n - 1), RULES) == SMALL_COUNTS
    # The largest unit holds just over k1 % of 100 (the rest shared by n - 1 units): O.
    top = k1 + 1
    assert primary_status([top] + [(100 - top) / (n - 1)] * (n - 1), RULES) == DOMINANCE_ONE
    # The largest holds just under k1 %, the two largest just over k2 %: T.
    first, second = k1 - 1, k2 - k1 + 2
    rest = 100 - first - second
    assert primary_status([first, second] + [rest / (n - 2)] * (n - 2), RULES) == DOMINANCE_TWO
    # The two largest hold just under k2 % and the largest less than k1 %: F.
    first, second = k1 - 10, k2 - k1 + 8
    rest = 100 - first - second
    assert primary_status([first, second] + [rest / (n - 2)] * (n - 2), RULES) == FREE
    # Exactly n even units: F.
    assert primary_status([10.0] * n, RULES) == FREE


def test_one_group_suppresses_the_cheapest_cell_that_protects_the_primary_one():
    # A district total over four areas; area 1 is primary (A). Area 3 has too few units to bring the
    # suppressed units to the frequency rule's minimum; area 2 is the cheapest that does.
    n = RULES.min_units
    cells = [
        Cell(("area0",), 40.0, 2 * n),
        Cell(("area1",), 12.0, n - 2, SMALL_COUNTS),
        Cell(("area2",), 18.0, 2),
        Cell(("area3",), 3.0, 1),
    ]
    assert 18.0 >= RULES.protection_width * 12.0  # area 2 is enough to protect area 1
    table = Table(cells, [Group(("district",), [0, 1, 2, 3])])
    statuses, withheld = secondary_suppression(table, RULES)
    assert statuses == [FREE, SMALL_COUNTS, SECONDARY, FREE] and withheld == []
    # By hand: the total is 73; the reader subtracts the published 40 and 3 and knows that areas 1 and 2
    # share 30, each at least 0.
    results = {r.key: r for r in audit(table, statuses, set(), RULES)}
    assert (results[("area1",)].lower, results[("area1",)].upper) == pytest.approx((0.0, 30.0))
    assert (results[("area2",)].lower, results[("area2",)].upper) == pytest.approx((0.0, 30.0))
    assert all(r.protected for r in results.values())


def test_a_group_that_cannot_be_protected_withholds_its_total():
    table = Table([Cell(("only",), 50.0, 1, SMALL_COUNTS)], [Group(("district",), [0])])
    statuses, withheld = secondary_suppression(table, RULES)
    assert statuses == [SMALL_COUNTS] and withheld == [("district",)]
    (result,) = audit(table, statuses, set(withheld), RULES)
    assert result.upper == float("inf") and result.protected  # no total left to narrow it


def test_two_way_table_closes_into_a_rectangle_and_the_audit_matches_the_hand_intervals():
    #          c1   c2   c3 | total
    #   r1     20    5*  30 |  55      * primary (fewer units than the frequency rule)
    #   r2     25   15   10 |  50
    #   r3     40   35   45 | 120
    #   total  85   55   85 | 225
    n = RULES.min_units
    values = [[20, 5, 30], [25, 15, 10], [40, 35, 45]]
    cells = [Cell((r, c), float(values[r][c]), n if (r, c) != (0, 1) else n - 1,
                  SMALL_COUNTS if (r, c) == (0, 1) else FREE) for r in range(3) for c in range(3)]
    rows = [Group(("row", r), [3 * r + c for c in range(3)]) for r in range(3)]
    columns = [Group(("column", c), [3 * r + c for r in range(3)]) for c in range(3)]
    table = Table(cells, rows + columns)
    statuses, withheld = secondary_suppression(table, RULES)
    suppressed = {cells[i].key for i, s in enumerate(statuses) if s != FREE}
    # Row 1 adds the cheaper (r1, c1); column 2 the cheaper (r2, c2); column 1 then (r2, c1): a rectangle.
    assert suppressed == {(0, 0), (0, 1), (1, 0), (1, 1)} and withheld == []
    # By hand, with t = (r1, c2): a = 25 - t, c = 20 + t, d = 20 - t, all >= 0, so t in [0, 20].
    expected = {(0, 1): (0, 20), (0, 0): (5, 25), (1, 0): (20, 40), (1, 1): (0, 20)}
    results = {r.key: r for r in audit(table, statuses, set(withheld), RULES)}
    assert sorted(results) == sorted(expected)
    for key, (lower, upper) in expected.items():
        assert (results[key].lower, results[key].upper) == pytest.approx((lower, upper)), key
    assert all(r.protected for r in results.values())
    # Without the secondary cells the primary one is exact: the audit says so.
    only_primary = [s if s != SECONDARY else FREE for s in statuses]
    (alone,) = audit(table, only_primary, set(), RULES)
    assert (alone.lower, alone.upper) == pytest.approx((5, 5)) and not alone.protected


def test_closed_form_intervals_of_nested_totals_equal_the_linear_programme():
    """Districts nested in a national total: the audit's closed form and two LPs per cell agree, on random tables."""
    import random

    from scipy.optimize import linprog

    from pipelines.disclosure import _audit_lp

    rng = random.Random(7)
    for _ in range(30):
        n_cells = rng.randint(3, 12)
        cells = [Cell((i,), float(rng.randint(1, 50)), rng.randint(1, 6),
                      rng.choice([SMALL_COUNTS, FREE, FREE, SECONDARY])) for i in range(n_cells)]
        cut = sorted(rng.sample(range(1, n_cells), k=min(2, n_cells - 1)))
        districts = [list(range(0, cut[0]))] + ([list(range(cut[0], cut[1]))] if len(cut) > 1 else [])
        groups = [Group(("district", d), members) for d, members in enumerate(districts)
                  if rng.random() < 0.8]
        if rng.random() < 0.7:
            groups.append(Group(("national",), list(range(n_cells))))
        table = Table(cells, groups)
        statuses = [c.status for c in cells]
        hidden = [i for i, s in enumerate(statuses) if s != FREE]
        fast = {r.key: (r.lower, r.upper) for r in audit(table, statuses, set(), RULES)}
        exact = {r.key: (r.lower, r.upper) for r in _audit_lp(table, hidden, statuses, set(), RULES, linprog)}
        assert fast.keys() == exact.keys()
        for key in fast:
            assert fast[key] == pytest.approx(exact[key]), (key, table)


def test_a_secondary_cell_needs_the_slack_of_the_primary_cell_it_protects():
    """A district of 5,500 employees: a leader tier of two units (50 employees, too few units: A) and 218
    satellites (5,450). Suppressing the satellites protects the leader: it ranges over [0, 5,500] given the
    total. The satellites (secondary) need from the leader only what the leader needs (15 % of 50 = 7.5, and
    50 >= 7.5), not 15 % of 5,450: the district's total stays published."""
    table = Table([Cell(("leader",), 50.0, 2, SMALL_COUNTS), Cell(("satellite",), 5450.0, 218, FREE)],
                  [Group(("district",), [0, 1])])
    statuses, withheld = secondary_suppression(table, RULES)
    assert statuses == [SMALL_COUNTS, SECONDARY] and withheld == []
    leader, satellite = audit(table, statuses, set(), RULES)
    assert (leader.lower, leader.upper) == (0.0, 5500.0) and leader.protected
    assert leader.required == pytest.approx(RULES.protection_width * 50)
    assert satellite.required == 0 and satellite.protected


def test_slack_pinned_by_another_total_is_repaired_by_the_audit():
    """The national class total counts a district's secondary cells as slack for a primary cell outside the
    district, but the district's total pins their sum: the MILP's choice leaves the primary cell exposed, the
    audit finds it, and protected_suppression adds a free cell that no other total pins. Worked out by hand
    (numbers from a generated register where the release's audit caught it)."""
    from pipelines.disclosure import protected_suppression

    p = RULES.protection_width
    cells = [
        Cell(("a",), 176.0, 1, SMALL_COUNTS),  # outside the district, primary
        Cell(("b",), 3.0, 1, SMALL_COUNTS),
        Cell(("c",), 3.0, 1, SMALL_COUNTS),
        Cell(("d1",), 14.0, 3),  # the district's areas
        Cell(("d2",), 15.0, 5),
        Cell(("d3",), 36.0, 6),
        Cell(("d4",), 300.0, 40),
        Cell(("e",), 500.0, 50),  # outside, free
        Cell(("f",), 30.0, 10),
    ]
    need = p * 176.0
    # The premises of the hand computation: b and c cannot protect a; d1 + d2 are the cheapest cover of the
    # shortfall (cheaper than f alone); neither d1 nor d2 protects the other in the district, d3 does.
    assert 6.0 < need and 14.0 + 15.0 >= need - 6.0 and 14.0 + 15.0 < 30.0 and 15.0 < need and 14.0 + 36.0 >= need
    assert 30.0 >= need - 6.0 and RULES.min_units <= 3
    groups = [Group(("district", "D"), [3, 4, 5, 6]), Group(("national_class",), list(range(9)))]

    statuses, withheld = secondary_suppression(Table(cells, groups), RULES)
    assert statuses == [SMALL_COUNTS] * 3 + [SECONDARY] * 3 + [FREE] * 3 and withheld == []
    # The reader: the district's total less d4 gives d1 + d2 + d3 = 65; the national total less d4, e and f gives
    # a + b + c + 65, so a + b + c = 182 and a <= 182: 6 above its value, less than the protection width.
    exposed = [r for r in audit(Table(cells, groups), statuses, set(), RULES) if not r.protected]
    assert [(r.key, r.lower, r.upper) for r in exposed] == [(("a",), 0.0, 182.0)]

    statuses, withheld = protected_suppression(Table(cells, groups), RULES)
    # f (30 >= the shortfall 26.4 - 6, in no other group) is the cheapest unpinned cover: a <= 212.
    assert statuses == [SMALL_COUNTS] * 3 + [SECONDARY] * 3 + [FREE, FREE, SECONDARY] and withheld == []
    results = audit(Table(cells, groups), statuses, set(), RULES)
    assert all(r.protected for r in results)
    assert next(r for r in results if r.key == ("a",)).upper == 212.0
