-- The tier cells of each district (leaders, primary suppliers, satellites): units, employees and the primary
-- disclosure status from the units' contributions (macro conf_status). A tier cell of a district sums, with the
-- others, to the district's published units and employees, so intermediate.int_disclosure_tier_suppression adds
-- secondary suppressions.
with tiered as (
    select * from {{ ref('int_district_unit_tiers') }}
),

disclosure as (
    select * from {{ ref('int_disclosure_rules') }}
),

cells as (
    select
        district_id,
        ref_year,
        tier,
        count(*) as units,
        sum(employees) as employees,
        max(employees, 2) as top_two_employees
    from tiered
    group by district_id, ref_year, tier
)

select
    c.district_id,
    c.ref_year,
    c.tier,
    c.units,
    c.employees,
    {{ conf_status('c.units', 'c.top_two_employees', 'c.employees') }} as primary_status
from cells as c
cross join disclosure
