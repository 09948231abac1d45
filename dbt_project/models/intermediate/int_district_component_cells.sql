-- The cells each district splits into, by tier (leaders, primary suppliers, satellites) and by size class
-- (micro, small, medium, large): units, employees and the primary disclosure status from the units'
-- contributions (macro conf_status). The cells of one dimension add up to the district's published units and
-- employees, so intermediate.int_disclosure_component_suppression adds secondary suppressions.
with tiered as (
    select * from {{ ref('int_district_unit_tiers') }}
),

disclosure as (
    select * from {{ ref('int_disclosure_rules') }}
),

components as (
    select district_id, ref_year, 'tier' as dimension, tier as component, employees from tiered
    union all
    select district_id, ref_year, 'size_class' as dimension, size_class as component, employees from tiered
),

cells as (
    select
        district_id,
        ref_year,
        dimension,
        component,
        count(*) as units,
        sum(employees) as employees,
        max(employees, 2) as top_two_employees
    from components
    group by district_id, ref_year, dimension, component
)

select
    c.district_id,
    c.ref_year,
    c.dimension,
    c.component,
    c.units,
    c.employees,
    {{ conf_status('c.units', 'c.top_two_employees', 'c.employees') }} as primary_status
from cells as c
cross join disclosure
