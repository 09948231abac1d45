-- Primary disclosure status of every area x industry cell built from register units (int_area_industry's
-- register cells), from the units' contributions computed in DuckDB: their number, their employees and the two
-- largest (macro conf_status). Cells of official statistics are published aggregates: their own flags apply.
-- Built per country x year partition (macros/partitions.sql).
-- depends_on: {{ ref('int_partition_inputs') }}
with cells as (
    select * from {{ ref('int_area_industry') }}
    where cell_source = 'register' and {{ in_partitions_to_build() }}
),

contributions as (
    select
        country,
        ref_year,
        area_code,
        industry_system,
        class_code as industry_code,
        count(*) as contributing_units,
        sum(employees) as contributed_employees,
        max(employees, 2) as top_two_employees
    from {{ ref('int_establishments_sized') }}
    where {{ in_partitions_to_build() }}
    group by all
),

disclosure as (
    select * from {{ ref('int_disclosure_rules') }}
)

select
    c.country,
    c.ref_year,
    c.area_code,
    c.industry_system,
    c.industry_code,
    c.establishments,
    c.employees,
    u.contributing_units,
    u.top_two_employees,
    {{ conf_status('u.contributing_units', 'u.top_two_employees', 'u.contributed_employees') }} as primary_status
from cells as c
inner join contributions as u
    on u.country = c.country and u.ref_year = c.ref_year and u.area_code = c.area_code
    and u.industry_system = c.industry_system and u.industry_code = c.industry_code
cross join disclosure
